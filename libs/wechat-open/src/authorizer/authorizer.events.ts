import { Injectable, Logger } from '@nestjs/common';
import { TypedEvents } from '../core/typed-events.js';
import type { RefreshLogEntry } from './authorizer-token.repository.js';
import type { RefreshResult } from './authorizer-token.service.js';
import { AuthorizerRecord } from './authorizer.types.js';

/** What the registry announces; apps subscribe with `on`. */
export interface AuthorizerEventMap {
  /** Authorized for the first time, again after a revocation, or with changed permissions. */
  authorized: { record: AuthorizerRecord; cause: string };
  /**
   * The authorization ended: revoked by the account (record.status `revoked`), or detached by
   * the platform (`detached`). Its tokens are erased; JS-SDK tickets and cached copies must go.
   */
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
  /**
   * A refresh through api_authorizer_token ended (this instance's sweep or an on-demand read):
   * `stale` means another instance had stored a newer token first. For metrics; never a token.
   */
  refreshed: {
    componentAppid: string;
    trigger: RefreshLogEntry['trigger'];
    result: RefreshResult;
  };
  /** WeChat's daily quota for refreshing is exhausted (45009): someone must look. */
  quota_exhausted: { componentAppid: string; authorizerAppid: string };
}

/** Typed events of the Authorizer module. Listener errors are logged, never thrown at the emitter. */
@Injectable()
export class AuthorizerEvents extends TypedEvents<AuthorizerEventMap> {
  constructor() {
    super(new Logger('AuthorizerEvents'));
  }
}
