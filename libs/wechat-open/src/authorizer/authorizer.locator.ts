import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  AuthorizerAmbiguousError,
  AuthorizerDetachedError,
  AuthorizerNeedsReauthError,
  AuthorizerNotFoundError,
  AuthorizerRevokedError,
} from './authorizer.errors.js';
import { AuthorizerEvents } from './authorizer.events.js';
import { AuthorizerRepository } from './authorizer.repository.js';

/**
 * Which of our components an account is authorized for, for callers that do not say. Kept in
 * memory, and forgotten when the account's authorization changes (authorized again, revoked,
 * needs re-authorization, or its tokens erased by any instance).
 */
@Injectable()
export class AuthorizerLocator implements OnModuleInit {
  private readonly known = new Map<string, string>();
  /** Bumped on every change: a lookup that started before a change does not store its answer. */
  private generation = 0;

  constructor(
    private readonly repo: AuthorizerRepository,
    private readonly events: AuthorizerEvents,
  ) {}

  onModuleInit(): void {
    this.events.on('authorized', ({ record }) => this.forget(record.authorizerAppid));
    this.events.on('revoked', ({ record }) => this.forget(record.authorizerAppid));
    this.events.on('needs_reauth', ({ record }) => this.forget(record.authorizerAppid));
    this.events.on('tokens_erased', ({ authorizerAppid }) => this.forget(authorizerAppid));
  }

  /**
   * The component the account is authorized for. Throws AUTHORIZER_AMBIGUOUS when it is
   * authorized for several, AUTHORIZER_REVOKED / AUTHORIZER_DETACHED / AUTHORIZER_NEEDS_REAUTH
   * when its only record is so, AUTHORIZER_NOT_FOUND when there is none.
   */
  async componentOf(authorizerAppid: string): Promise<string> {
    const known = this.known.get(authorizerAppid);
    if (known) return known;
    const generation = this.generation;
    const records = await this.repo.findByAppid(authorizerAppid);
    const authorized = records.filter((r) => r.status === 'authorized');
    if (authorized.length > 1) throw new AuthorizerAmbiguousError(authorizerAppid);
    if (authorized.length === 1) {
      const componentAppid = authorized[0].componentAppid;
      if (generation === this.generation) this.known.set(authorizerAppid, componentAppid);
      return componentAppid;
    }
    if (records.length === 1 && records[0].status === 'revoked')
      throw new AuthorizerRevokedError(authorizerAppid);
    if (records.length === 1 && records[0].status === 'detached')
      throw new AuthorizerDetachedError(authorizerAppid);
    if (records.length === 1) throw new AuthorizerNeedsReauthError(authorizerAppid);
    throw new AuthorizerNotFoundError(authorizerAppid);
  }

  /** Drops what is known of the account (its authorization changed). */
  forget(authorizerAppid: string): void {
    this.generation++;
    this.known.delete(authorizerAppid);
  }
}
