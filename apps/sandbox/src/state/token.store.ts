import { Injectable } from '@nestjs/common';
import { SandboxApiError } from '../common/sandbox-api.error.js';
import { SandboxClock } from '../common/sandbox.clock.js';
import { Authorization, AuthorizationStore } from './authorization.store.js';
import { randomToken } from './random-token.js';
import { InvalidTokenReason, SandboxCounters } from './sandbox-counters.service.js';
import { SettingsStore } from './settings.store.js';

export interface IssuedToken {
  value: string;
  kind: 'component_access_token' | 'authorizer_access_token';
  componentAppid: string;
  authorizerAppid?: string;
  issuedAtMs: number;
  expiresAtMs: number;
  supersededAtMs?: number;
  invalidated?: boolean;
  /** Died when the account re-authorized with new permission sets (§13.2). */
  reauthorized?: boolean;
  generation?: number;
}

/** Splits a token value for error details without echoing it whole. */
function head(value: string): string {
  return value.length > 12 ? `${value.slice(0, 12)}...` : value;
}

/**
 * The access tokens WeChat has issued (component_access_token, authorizer_access_token), with
 * their validity rules: expiry, the grace period of a superseded token, invalidation through the
 * control API, and death with a revoked authorization.
 */
@Injectable()
export class TokenStore {
  private tokens = new Map<string, IssuedToken>();
  /** The newest token per owner (component appid, or `component/authorizer`). */
  private latestToken = new Map<string, IssuedToken>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly counters: SandboxCounters,
    private readonly settings: SettingsStore,
    private readonly authorizations: AuthorizationStore,
  ) {}

  issueComponentToken(componentAppid: string): IssuedToken {
    return this.issue({
      value: `${randomToken(4)}_${randomToken(72)}`,
      kind: 'component_access_token',
      componentAppid,
      ttlSec: this.settings.current.componentTokenTtlSec,
      owner: componentAppid,
    });
  }

  issueAuthorizerToken(authorization: Authorization): IssuedToken {
    return this.issue({
      value: `${randomToken(4)}_${randomToken(90)}`,
      kind: 'authorizer_access_token',
      componentAppid: authorization.componentAppid,
      authorizerAppid: authorization.authorizerAppid,
      generation: authorization.generation,
      ttlSec: this.settings.current.authorizerTokenTtlSec,
      owner: `${authorization.componentAppid}/${authorization.authorizerAppid}`,
    });
  }

  /**
   * Validates a token presented to `endpoint`. `accept` lists the kinds this endpoint takes.
   * Refusals are recorded in invalidTokensPresented.
   */
  check(
    endpoint: string,
    value: string | undefined,
    accept: readonly IssuedToken['kind'][],
  ): IssuedToken {
    if (value === undefined || value === '') throw new SandboxApiError(41001);
    const token = this.tokens.get(value);
    const refuse = (reason: InvalidTokenReason, errcode: number, appid?: string): never => {
      this.counters.invalidToken({
        endpoint,
        reason,
        tokenKind: token?.kind ?? accept[0],
        appid,
      });
      throw new SandboxApiError(errcode, `${reason} token ${head(value)}`);
    };
    if (!token || !accept.includes(token.kind)) return refuse('unknown', 40001);
    const appid = token.authorizerAppid ?? token.componentAppid;
    const now = this.clock.nowMs();
    if (token.kind === 'authorizer_access_token') {
      const auth = this.authorizations.get(token.componentAppid, token.authorizerAppid!);
      if (!auth || auth.generation !== token.generation) {
        return refuse('revoked', auth?.status === 'revoked' ? 61003 : 40001, appid);
      }
    }
    if (token.invalidated) return refuse('invalidated', 40001, appid);
    if (token.reauthorized) return refuse('reauthorized', 40001, appid);
    if (now >= token.expiresAtMs) return refuse('expired', 42001, appid);
    if (
      token.supersededAtMs !== undefined &&
      now >= token.supersededAtMs + this.settings.current.tokenGraceSec * 1000
    ) {
      return refuse('superseded', 40001, appid);
    }
    return token;
  }

  /** Whose token `value` is (valid or not), for attributing a call; undefined if never issued. */
  ownerOf(value: string): { componentAppid: string; authorizerAppid?: string } | undefined {
    const token = this.tokens.get(value);
    return (
      token && { componentAppid: token.componentAppid, authorizerAppid: token.authorizerAppid }
    );
  }

  /** Makes every live authorizer token of the account invalid now. Returns how many. */
  invalidateAuthorizerTokens(authorizerAppid: string): number {
    let count = 0;
    const now = this.clock.nowMs();
    for (const token of this.tokens.values()) {
      if (
        token.authorizerAppid === authorizerAppid &&
        !token.invalidated &&
        token.expiresAtMs > now
      ) {
        token.invalidated = true;
        count++;
      }
    }
    return count;
  }

  /**
   * The account re-authorized the component with new permission sets (updateauthorized): as on
   * WeChat, every access token it held for that component dies at once, without a grace period
   * (§13.2: a platform that keeps one gets 40001). Returns how many.
   */
  endOnReauthorization(componentAppid: string, authorizerAppid: string): number {
    let count = 0;
    const now = this.clock.nowMs();
    for (const token of this.tokens.values()) {
      if (
        token.kind === 'authorizer_access_token' &&
        token.componentAppid === componentAppid &&
        token.authorizerAppid === authorizerAppid &&
        !token.reauthorized &&
        token.expiresAtMs > now
      ) {
        token.reauthorized = true;
        count++;
      }
    }
    return count;
  }

  reset(): void {
    this.tokens = new Map();
    this.latestToken = new Map();
  }

  private issue(input: {
    value: string;
    kind: IssuedToken['kind'];
    componentAppid: string;
    authorizerAppid?: string;
    generation?: number;
    ttlSec: number;
    owner: string;
  }): IssuedToken {
    const now = this.clock.nowMs();
    const previous = this.latestToken.get(input.owner);
    // A token of an earlier generation died with its revoked authorization: a token of the new
    // authorization does not supersede it (component tokens have no generation).
    if (
      previous &&
      previous.supersededAtMs === undefined &&
      previous.generation === input.generation
    ) {
      previous.supersededAtMs = now;
    }
    const token: IssuedToken = {
      value: input.value,
      kind: input.kind,
      componentAppid: input.componentAppid,
      authorizerAppid: input.authorizerAppid,
      generation: input.generation,
      issuedAtMs: now,
      expiresAtMs: now + input.ttlSec * 1000,
    };
    this.tokens.set(token.value, token);
    this.latestToken.set(input.owner, token);
    this.counters.issued(input.kind);
    this.sweep(now);
    return token;
  }

  /** Drops tokens long past any chance of being valid, keeping memory flat under load. */
  private sweep(now: number): void {
    if (this.tokens.size < 50_000) return;
    const horizon = now - 24 * 3600 * 1000;
    for (const [value, token] of this.tokens) {
      if (token.expiresAtMs < horizon) this.tokens.delete(value);
    }
  }
}
