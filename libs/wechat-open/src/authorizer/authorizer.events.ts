import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { AuthorizerRecord } from './authorizer.types.js';

/** What the registry announces; apps subscribe with `on`. */
export interface AuthorizerEventMap {
  /** Authorized for the first time, again after a revocation, or with changed permissions. */
  authorized: { record: AuthorizerRecord; cause: string };
  revoked: { record: AuthorizerRecord; cause: string };
  /** The refresh token is lost: the owner must authorize again. */
  needs_reauth: { record: AuthorizerRecord; cause: string };
  /** The account is bound to another tenant and the policy refused to move it. */
  tenant_conflict: { record: AuthorizerRecord; requestedTenant: string };
  /**
   * An account's tokens were erased (revoked or needs re-authorization) by any instance: announced
   * through NOTIFY, so caches elsewhere can drop what they derived from them.
   */
  tokens_erased: { componentAppid: string; authorizerAppid: string };
  /** WeChat's daily quota for refreshing is exhausted (45009): someone must look. */
  quota_exhausted: { componentAppid: string; authorizerAppid: string };
}

/** Typed events of the Authorizer module. Listener errors are logged, never thrown at the emitter. */
@Injectable()
export class AuthorizerEvents {
  private readonly logger = new Logger('AuthorizerEvents');
  private readonly emitter = new EventEmitter();

  on<K extends keyof AuthorizerEventMap>(
    name: K,
    listener: (e: AuthorizerEventMap[K]) => void | Promise<void>,
  ): void {
    this.emitter.on(name, (e: AuthorizerEventMap[K]) => {
      try {
        Promise.resolve(listener(e)).catch((error: unknown) =>
          this.logger.error(`${name} listener failed: ${String(error)}`),
        );
      } catch (error) {
        this.logger.error(`${name} listener failed: ${String(error)}`);
      }
    });
  }

  emit<K extends keyof AuthorizerEventMap>(name: K, event: AuthorizerEventMap[K]): void {
    this.emitter.emit(name, event);
  }
}
