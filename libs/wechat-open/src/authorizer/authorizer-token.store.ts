import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SecretBox } from '../core/secret-box.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { AuthorizerTokenRepository } from './authorizer-token.repository.js';
import { AuthorizerTokenHealth } from './authorizer.types.js';
import { planNextRefresh } from './refresh-plan.js';
import { SECRET_BOX } from '../core/internal-tokens.js';

/** The tokens WeChat handed over with an authorization (api_query_auth, or a recovery). */
export interface RedeemedTokens {
  /** Absent when the authorization was recovered without one: the sweep mints one at once. */
  accessToken: string | null;
  refreshToken: string;
  /** WeChat's expires_in for the access token. */
  expiresInSec: number;
  /** When WeChat answered: the access token's life counts from then. */
  receivedAt: Date;
}

/**
 * The token side's door for the registry (AuthorizerRegistryService, the code redemption, the
 * list sync): they ask it and never touch authorizer_token themselves. It seals the tokens and
 * plans the first refresh; the SQL is AuthorizerTokenRepository's, the one place that writes the
 * table (its comment lists every caller: this store for the registry's changes,
 * AuthorizerRefreshScheduler and AuthorizerTokenService for refreshes). The registry's changes (a
 * redemption, a recovered refresh token, a revocation, a detach) pass their EntityManager, so
 * that the token write commits with the record's. Kept apart from AuthorizerTokenService, which
 * itself calls the registry (revoke, needs_reauth): the two never depend on each other in a
 * circle.
 */
@Injectable()
export class AuthorizerTokenStore {
  constructor(
    private readonly tokens: AuthorizerTokenRepository,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  /** Stores the tokens of a redeemed code; returns the new version. */
  storeRedeemed(
    m: EntityManager,
    componentAppid: string,
    authorizerAppid: string,
    t: RedeemedTokens,
    now: Date,
  ): Promise<number> {
    const plan = planNextRefresh(
      t.receivedAt.getTime(),
      t.expiresInSec,
      this.options.authorizer.refreshMarginSec,
      this.options.authorizer.refreshJitterSec,
    );
    const access = t.accessToken;
    return this.tokens.upsertTokens(
      m,
      componentAppid,
      authorizerAppid,
      {
        accessTokenCiphertext: access ? this.box.seal(access) : null,
        refreshTokenCiphertext: this.box.seal(t.refreshToken),
        expiresAt: access ? plan.expiresAt : null,
        nextRefreshAt: access ? plan.nextRefreshAt : now,
      },
      access ? t.receivedAt : now,
    );
  }

  /**
   * Stores a refresh token found in api_get_authorizer_list, without an access token: the
   * sweep mints one at once. Returns the new version.
   */
  storeRecovered(
    m: EntityManager,
    componentAppid: string,
    authorizerAppid: string,
    refreshToken: string,
    now: Date,
  ): Promise<number> {
    return this.tokens.upsertTokens(
      m,
      componentAppid,
      authorizerAppid,
      {
        accessTokenCiphertext: null,
        refreshTokenCiphertext: this.box.seal(refreshToken),
        expiresAt: null,
        nextRefreshAt: now,
      },
      now,
    );
  }

  /** The stored refresh token in clear, or null (read inside the caller's transaction). */
  async refreshToken(
    m: EntityManager,
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<string | null> {
    const stored = await this.tokens.find(componentAppid, authorizerAppid, m);
    return stored?.refreshTokenCiphertext ? this.box.open(stored.refreshTokenCiphertext) : null;
  }

  /**
   * Erases the tokens and stops refreshing (revoked, or needs re-authorization: then the
   * refresh token is kept for a later recovery). Other instances learn of it by NOTIFY.
   */
  erase(
    m: EntityManager | undefined,
    componentAppid: string,
    authorizerAppid: string,
    keepRefreshToken = false,
  ): Promise<void> {
    return this.tokens.erase(m, componentAppid, authorizerAppid, keepRefreshToken);
  }

  /** Times and counters for dashboards, never a token. */
  health(componentAppid: string, authorizerAppid: string): Promise<AuthorizerTokenHealth | null> {
    return this.tokens.health(componentAppid, authorizerAppid);
  }
}
