import { Injectable } from '@nestjs/common';
import { EventDisposition } from '../events/event-bus.js';
import {
  AuthorizationRedemptionService,
  RedeemContext,
  RedeemResult,
} from './authorization-redemption.service.js';
import { AuthorizerListSyncService, ListSyncProgress } from './authorizer-list-sync.service.js';
import { AuthorizerProfileService } from './authorizer-profile.service.js';
import { AuthorizerRegistryService } from './authorizer-registry.service.js';
import { HistoryEntry } from './authorizer.repository.js';
import {
  AuthorizationEventView,
  AuthorizerPage,
  AuthorizerProfile,
  AuthorizerRecord,
  AuthorizerSearch,
  AuthorizerTokenHealth,
  ChangeCause,
  RefreshLogView,
} from './authorizer.types.js';

export type { RedeemContext, RedeemResult } from './authorization-redemption.service.js';
export { parseProfile } from './authorizer-profile.service.js';
export { sha256 } from './code-hash.js';

/**
 * The registry of authorized accounts, as hosts see it: one record per (component, account),
 * kept by the authorization pushes and the landing redirect, with every change appended to
 * history. A facade: the work is done by the registry, redemption, profile and list-sync services.
 */
@Injectable()
export class AuthorizerService {
  constructor(
    private readonly registry: AuthorizerRegistryService,
    private readonly redemption: AuthorizationRedemptionService,
    private readonly profiles: AuthorizerProfileService,
    private readonly listSync: AuthorizerListSyncService,
  ) {}

  find(componentAppid: string, authorizerAppid: string): Promise<AuthorizerRecord | null> {
    return this.registry.find(componentAppid, authorizerAppid);
  }

  /** The record; throws AUTHORIZER_NOT_FOUND when there is none. */
  get(componentAppid: string, authorizerAppid: string): Promise<AuthorizerRecord> {
    return this.registry.get(componentAppid, authorizerAppid);
  }

  /** A tenant's accounts, most recently authorized first; all components unless one is named. */
  listByTenant(tenantId: string, componentAppid?: string): Promise<AuthorizerRecord[]> {
    return this.registry.listByTenant(tenantId, componentAppid);
  }

  /** The account's history, newest first (100 entries). */
  history(componentAppid: string, authorizerAppid: string): Promise<HistoryEntry[]> {
    return this.registry.history(componentAppid, authorizerAppid);
  }

  /** Times and counters of the account's tokens, never a token; null when it has none. */
  tokenHealth(
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<AuthorizerTokenHealth | null> {
    return this.registry.tokenHealth(componentAppid, authorizerAppid);
  }

  /**
   * Accounts matching every filter given, a page at a time (keyset pagination: pass the page's
   * nextCursor for the next one). Sorted by authorizedAt desc unless told; limit 1..200, default
   * 50. Throws INVALID_CURSOR for a cursor made for another sort or order, INVALID_QUERY for a
   * filter out of range.
   */
  search(query: AuthorizerSearch): Promise<AuthorizerPage> {
    return this.registry.search(query);
  }

  /** The account's token refresh attempts, newest first (limit 1..1000, default 100). */
  refreshLog(
    componentAppid: string,
    authorizerAppid: string,
    limit = 100,
  ): Promise<RefreshLogView[]> {
    return this.registry.refreshLog(componentAppid, authorizerAppid, limit);
  }

  /**
   * The authorized / updateauthorized / unauthorized pushes stored about the account, newest
   * first, without their content (limit 1..1000, default 100).
   */
  authorizationEvents(
    componentAppid: string,
    authorizerAppid: string,
    limit = 100,
  ): Promise<AuthorizationEventView[]> {
    return this.registry.authorizationEvents(componentAppid, authorizerAppid, limit);
  }

  /**
   * Detaches the account from the platform (WeChat lets no platform unauthorize itself): status
   * `detached`, tokens and JS-SDK tickets erased, no refreshing, no profile runs, not brought
   * back by the list sync; the tenant and the history stay. A new authorization re-activates it.
   * Idempotent; AUTHORIZER_NOT_FOUND for an unknown account.
   */
  detach(
    componentAppid: string,
    authorizerAppid: string,
    cause: ChangeCause,
  ): Promise<AuthorizerRecord> {
    return this.registry.detach(componentAppid, authorizerAppid, cause);
  }

  /**
   * Redeems an authorization code exactly once between the push and the landing (see
   * AuthorizationRedemptionService.redeem).
   */
  redeem(componentAppid: string, code: string, ctx: RedeemContext): Promise<RedeemResult> {
    return this.redemption.redeem(componentAppid, code, ctx);
  }

  /**
   * Marks the account revoked and erases its tokens; the record and its history stay. With
   * `eventTime` (a push), a revocation older than the account's last state change is ignored.
   */
  revoke(
    componentAppid: string,
    authorizerAppid: string,
    cause: ChangeCause,
    eventTime?: Date,
  ): Promise<EventDisposition> {
    return this.registry.revoke(componentAppid, authorizerAppid, cause, eventTime);
  }

  /** The refresh token is lost: stop refreshing and tell the app. */
  markNeedsReauth(
    componentAppid: string,
    authorizerAppid: string,
    cause: ChangeCause,
  ): Promise<void> {
    return this.registry.markNeedsReauth(componentAppid, authorizerAppid, cause);
  }

  /** Fetches api_get_authorizer_info and stores the profile (and granted permissions). */
  refreshProfile(componentAppid: string, authorizerAppid: string): Promise<AuthorizerProfile> {
    return this.profiles.refreshProfile(componentAppid, authorizerAppid);
  }

  /**
   * Profiles older than profileMaxAgeSec, up to `limit` (default profileBatchSize) per run;
   * returns how many were due.
   */
  refreshStaleProfiles(limit?: number): Promise<number> {
    return this.profiles.refreshStaleProfiles(limit);
  }

  /** Looks up the account's refresh token in api_get_authorizer_list (61023 recovery). */
  recoverRefreshToken(componentAppid: string, authorizerAppid: string): Promise<string | null> {
    return this.listSync.recoverRefreshToken(componentAppid, authorizerAppid);
  }

  /**
   * api_get_authorizer_list sync: recovers refresh tokens and registers accounts the database
   * does not know (after a restore, say). Returns what it changed. `onProgress` (optional) is
   * called as each listed account is taken up, with the count so far and WeChat's total_count.
   */
  syncAuthorizerList(
    componentAppid: string,
    onProgress?: (progress: ListSyncProgress) => void,
  ): Promise<{ seen: number; created: number; recovered: number }> {
    return this.listSync.syncAuthorizerList(componentAppid, onProgress);
  }
}
