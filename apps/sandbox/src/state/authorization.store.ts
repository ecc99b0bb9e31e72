import { Injectable } from '@nestjs/common';
import { SandboxApiError } from '../common/sandbox-api.error.js';
import { SandboxClock } from '../common/sandbox.clock.js';
import { randomToken } from './random-token.js';
import { SandboxCounters } from './sandbox-counters.service.js';
import { SettingsStore } from './settings.store.js';

export interface Authorization {
  componentAppid: string;
  authorizerAppid: string;
  status: 'authorized' | 'revoked';
  funcInfo: number[];
  refreshToken: string;
  /** Unix seconds of the last (re-)authorization. */
  authTime: number;
  /** Bumped on every revoke, so tokens issued before it are recognised as revoked. */
  generation: number;
}

export interface AuthCode {
  value: string;
  componentAppid: string;
  authorizerAppid: string;
  expiresAtMs: number;
  usedAtMs?: number;
  generation: number;
}

/**
 * Which account authorized which component: the permission sets, the authorizer_refresh_token,
 * the generation that revokes bump, and the single-use authorization codes each grant issues.
 */
@Injectable()
export class AuthorizationStore {
  private authorizations = new Map<string, Authorization>();
  private authCodes = new Map<string, AuthCode>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly counters: SandboxCounters,
    private readonly settings: SettingsStore,
  ) {}

  get(componentAppid: string, authorizerAppid: string): Authorization | undefined {
    return this.authorizations.get(`${componentAppid}/${authorizerAppid}`);
  }

  /** The live authorization, or 61003. */
  active(componentAppid: string, authorizerAppid: string): Authorization {
    const auth = this.get(componentAppid, authorizerAppid);
    if (!auth || auth.status !== 'authorized') throw new SandboxApiError(61003);
    return auth;
  }

  list(componentAppid: string): Authorization[] {
    return [...this.authorizations.values()].filter((a) => a.componentAppid === componentAppid);
  }

  /**
   * Grants (or re-grants) the sets. Returns the push WeChat sends: `authorized` for a new or
   * renewed authorization, `updateauthorized` when the sets changed, none when they did not.
   */
  authorize(
    componentAppid: string,
    authorizerAppid: string,
    funcInfo: number[],
  ): { authorization: Authorization; infoType: 'authorized' | 'updateauthorized' | null } {
    const key = `${componentAppid}/${authorizerAppid}`;
    const sets = [...new Set(funcInfo)].sort((a, b) => a - b);
    const existing = this.authorizations.get(key);
    const now = this.clock.nowSec();
    if (existing && existing.status === 'authorized') {
      const same = existing.funcInfo.join(',') === sets.join(',');
      existing.funcInfo = sets;
      existing.authTime = now;
      if (!same) {
        // Re-authorization with new sets: a new refresh token (§10.2, §13.2); the access tokens
        // die with it (TokenStore.endOnReauthorization, called by the grant).
        existing.refreshToken = `refreshtoken@@@${randomToken(48)}`;
        this.counters.issued('authorizer_refresh_token');
      }
      return { authorization: existing, infoType: same ? null : 'updateauthorized' };
    }
    const authorization: Authorization = {
      componentAppid,
      authorizerAppid,
      status: 'authorized',
      funcInfo: sets,
      // The refresh token changes only when the account authorizes anew (§10.2).
      refreshToken: `refreshtoken@@@${randomToken(48)}`,
      authTime: now,
      generation: (existing?.generation ?? 0) + 1,
    };
    this.authorizations.set(key, authorization);
    this.counters.issued('authorizer_refresh_token');
    return { authorization, infoType: 'authorized' };
  }

  /** The account revokes: 61003 if it had not authorized; its tokens die with the generation. */
  revoke(componentAppid: string, authorizerAppid: string): Authorization {
    const auth = this.active(componentAppid, authorizerAppid);
    auth.status = 'revoked';
    auth.generation += 1;
    return auth;
  }

  /** api_authorizer_token: 61003 if not authorized, 61023 if the refresh token is not current. */
  checkRefreshToken(componentAppid: string, authorizerAppid: string, value: string): Authorization {
    const auth = this.active(componentAppid, authorizerAppid);
    if (auth.refreshToken !== value) throw new SandboxApiError(61023);
    return auth;
  }

  issueAuthCode(authorization: Authorization): AuthCode {
    const code: AuthCode = {
      value: `queryauthcode@@@${randomToken(60)}`,
      componentAppid: authorization.componentAppid,
      authorizerAppid: authorization.authorizerAppid,
      expiresAtMs: this.clock.nowMs() + this.settings.current.authCodeTtlSec * 1000,
      generation: authorization.generation,
    };
    this.authCodes.set(code.value, code);
    this.counters.issued('authorization_code');
    return code;
  }

  /** api_query_auth's single-use rule: 61009 unknown, used or foreign; 61010 expired. */
  consumeAuthCode(componentAppid: string, value: string): AuthCode {
    const code = this.authCodes.get(value);
    if (!code || code.componentAppid !== componentAppid || code.usedAtMs !== undefined) {
      throw new SandboxApiError(61009);
    }
    if (this.clock.nowMs() >= code.expiresAtMs) throw new SandboxApiError(61010);
    code.usedAtMs = this.clock.nowMs();
    return code;
  }

  reset(): void {
    this.authorizations = new Map();
    this.authCodes = new Map();
  }
}
