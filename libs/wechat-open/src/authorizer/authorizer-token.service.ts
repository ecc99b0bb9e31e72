import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { WechatApiClient, WechatRequest, WechatResponse } from '../client/wechat-api.client.js';
import {
  isTokenInvalid,
  WechatApiError,
  WechatUnavailableError,
} from '../client/wechat-api.errors.js';
import { ComponentTokenService } from '../component-ticket/component-token.service.js';
import { Clock } from '../core/clock.js';
import { SecretBox } from '../core/secret-box.js';
import { SingleFlight } from '../core/single-flight.js';
import { WriteBatcher } from '../core/write-batcher.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import {
  AuthorizerTokenRepository,
  ClaimedToken,
  RefreshedToken,
  RefreshLogEntry,
} from './authorizer-token.repository.js';
import {
  AuthorizerAmbiguousError,
  AuthorizerNeedsReauthError,
  AuthorizerNotFoundError,
  AuthorizerRevokedError,
  AuthorizerTokenUnavailableError,
} from './authorizer.errors.js';
import { AuthorizerEvents } from './authorizer.events.js';
import { AuthorizerRepository } from './authorizer.repository.js';
import { AuthorizerService } from './authorizer.service.js';
import { planNextRefresh, retryDelayMs } from './refresh-plan.js';

interface CachedToken {
  token: string;
  version: number;
  expiresAt: number;
  checkedAt: number;
}

export type RefreshResult = 'ok' | 'stale' | 'revoked' | 'needs_reauth' | 'quota' | 'retry_later';

const LEASE_MS = 60_000;
const WAIT_FOR_OTHER_MS = 15_000;
/** Trust the in-process copy this long when other instances' refreshes are not announced. */
const POLL_TTL_MS = 10_000;
/** With LISTEN/NOTIFY, re-check the database this rarely all the same. */
const NOTIFIED_TTL_MS = 5 * 60_000;
const QUOTA_PAUSE_MS = 60 * 60_000;

/**
 * authorizer_access_token for every authorized account: read from memory on the hot path,
 * refreshed through api_authorizer_token by the sweep or on demand, under a lease so that one
 * instance refreshes a token at a time, and written back only over the version it read.
 */
@Injectable()
export class AuthorizerTokenService {
  private readonly logger = new Logger('AuthorizerTokenService');
  private readonly memory = new Map<string, CachedToken>();
  /** Which component an account appid belongs to, for callers that do not say. */
  private readonly componentOf = new Map<string, string>();
  private readonly flights = new SingleFlight<CachedToken>();
  /** Set while LISTEN/NOTIFY keeps this instance informed. */
  notified = false;
  /** Refreshed tokens are written back in groups: one statement and one commit per group. */
  private readonly writes = new WriteBatcher<RefreshedToken, number | null>((items) =>
    this.tokens.saveRefreshedBatch(this.options.instanceId, items),
  );

  constructor(
    private readonly tokens: AuthorizerTokenRepository,
    private readonly registry: AuthorizerRepository,
    private readonly accounts: AuthorizerService,
    private readonly componentTokens: ComponentTokenService,
    private readonly api: WechatApiClient,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly events: AuthorizerEvents,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  /**
   * A valid authorizer_access_token. `componentAppid` may be left out when the account is
   * authorized for one of our components only.
   */
  async getAuthorizerAccessToken(
    authorizerAppid: string,
    componentAppid?: string,
  ): Promise<string> {
    return (await this.current(authorizerAppid, componentAppid)).token;
  }

  /**
   * Runs `call` with the token; on 40001/40014/42001 makes the token due only if it is still the
   * stored one (compare-and-swap), gets the next, and retries once.
   */
  async withAuthorizerToken<T>(
    authorizerAppid: string,
    call: (token: string) => Promise<T>,
    componentAppid?: string,
  ): Promise<T> {
    const component = componentAppid ?? (await this.resolveComponent(authorizerAppid));
    const first = await this.current(authorizerAppid, component);
    try {
      return await call(first.token);
    } catch (error) {
      if (!isTokenInvalid(error)) throw error;
      this.logger.warn(
        `token v${first.version} of ${authorizerAppid} rejected (${error.errcode}); refreshing`,
      );
      this.forget(component, authorizerAppid, first.version);
      await this.tokens.expireVersion(component, authorizerAppid, first.version, this.clock.now());
      const second = await this.current(authorizerAppid, component);
      return call(second.token);
    }
  }

  /** Calls any WeChat API on the account's behalf (`?access_token=` added), with the retry above. */
  async call<T extends WechatResponse = WechatResponse>(
    authorizerAppid: string,
    path: string,
    request: WechatRequest & { componentAppid?: string } = {},
  ): Promise<T> {
    const { componentAppid, ...req } = request;
    return this.withAuthorizerToken(
      authorizerAppid,
      (token) =>
        this.api.request<T>(path, { ...req, query: { ...req.query, access_token: token } }),
      componentAppid,
    );
  }

  /** Drops the in-process copy if it is older than `version` (called on NOTIFY). */
  onTokenChanged(componentAppid: string, authorizerAppid: string, version: number | null): void {
    const key = `${componentAppid}/${authorizerAppid}`;
    const cached = this.memory.get(key);
    if (cached && (version === null || cached.version < version)) this.memory.delete(key);
  }

  /**
   * Refreshes a claimed token through api_authorizer_token and stores the result (or the
   * failure, with the next try planned). Never throws for WeChat's answers: returns what happened.
   */
  async refreshClaimed(
    claim: ClaimedToken,
    trigger: RefreshLogEntry['trigger'],
    options: {
      /** A 61023 already led to a retry with the listed refresh token. */
      recovered?: boolean;
      /** Called as soon as WeChat has answered, before the result is stored. */
      onAnswered?: () => void;
    } = {},
  ): Promise<RefreshResult> {
    const recovered = options.recovered ?? false;
    const owner = this.options.instanceId;
    const started = this.clock.nowMs();
    const log = (result: string, errcode: number | null): RefreshLogEntry => ({
      instance: owner,
      trigger,
      result,
      errcode,
      durationMs: Math.round(this.clock.nowMs() - started),
      at: this.clock.now(),
    });
    const { componentAppid, authorizerAppid } = claim;
    if (!claim.refreshTokenCiphertext) {
      await this.accounts.markNeedsReauth(componentAppid, authorizerAppid, 'refresh');
      return 'needs_reauth';
    }
    const sealedRefresh = claim.refreshTokenCiphertext;
    const currentRefresh = this.box.open(sealedRefresh);
    try {
      const answer = await this.componentTokens.post(
        componentAppid,
        '/cgi-bin/component/api_authorizer_token',
        {
          component_appid: componentAppid,
          authorizer_appid: authorizerAppid,
          authorizer_refresh_token: currentRefresh,
        },
      );
      options.onAnswered?.();
      const accessToken = String(answer.authorizer_access_token);
      // WeChat echoes the refresh token; store whatever comes back, in case it ever differs.
      const returned = answer.authorizer_refresh_token;
      const refreshToken = typeof returned === 'string' && returned ? returned : currentRefresh;
      const plan = this.plan(Number(answer.expires_in ?? 7200));
      const sealedAccess = this.box.seal(accessToken);
      const done = log('ok', null);
      const version = await this.writes.submit({
        componentAppid,
        authorizerAppid,
        version: claim.version,
        accessTokenCiphertext: sealedAccess,
        refreshTokenCiphertext:
          refreshToken === currentRefresh ? sealedRefresh : this.box.seal(refreshToken),
        ...plan,
        trigger,
        durationMs: done.durationMs,
        at: done.at,
      });
      if (version === null) return 'stale';
      this.memory.set(`${componentAppid}/${authorizerAppid}`, {
        token: accessToken,
        version,
        expiresAt: plan.expiresAt.getTime(),
        checkedAt: this.clock.nowMs(),
      });
      return 'ok';
    } catch (error) {
      return this.handleRefreshFailure(claim, trigger, recovered, error, log);
    }
  }

  private async handleRefreshFailure(
    claim: ClaimedToken,
    trigger: RefreshLogEntry['trigger'],
    recovered: boolean,
    error: unknown,
    log: (result: string, errcode: number | null) => RefreshLogEntry,
  ): Promise<RefreshResult> {
    const owner = this.options.instanceId;
    const { componentAppid, authorizerAppid } = claim;
    const errcode = error instanceof WechatApiError ? error.errcode : null;
    if (errcode === 61003) {
      await this.tokens.saveFailure(claim, owner, null, log('revoked', errcode));
      await this.accounts.revoke(componentAppid, authorizerAppid, 'refresh');
      return 'revoked';
    }
    if (errcode === 61023) {
      if (!recovered) {
        const fromList = await this.accounts
          .recoverRefreshToken(componentAppid, authorizerAppid)
          .catch((e: unknown) => {
            this.logger.warn(
              `api_get_authorizer_list lookup for ${authorizerAppid} failed: ${String(e)}`,
            );
            return null;
          });
        // Retry once with whatever the list holds, even the same value: a 61023 may not last.
        if (fromList) {
          this.logger.warn(
            `recovered the refresh token of ${authorizerAppid} from api_get_authorizer_list`,
          );
          const sealed = this.box.seal(fromList);
          await this.tokens.replaceRefreshToken(claim, owner, sealed);
          return this.refreshClaimed({ ...claim, refreshTokenCiphertext: sealed }, trigger, {
            recovered: true,
          });
        }
      }
      await this.tokens.saveFailure(claim, owner, null, log('needs_reauth', errcode));
      await this.accounts.markNeedsReauth(componentAppid, authorizerAppid, 'refresh');
      return 'needs_reauth';
    }
    if (errcode === 45009) {
      this.logger.error(
        `daily quota exhausted refreshing ${authorizerAppid} (45009); pausing this token for an hour`,
      );
      await this.tokens.saveFailure(
        claim,
        owner,
        new Date(this.clock.nowMs() + QUOTA_PAUSE_MS),
        log('quota', errcode),
      );
      this.events.emit('quota_exhausted', { componentAppid, authorizerAppid });
      return 'quota';
    }
    const delay = retryDelayMs(claim.failureCount + 1);
    const reason =
      error instanceof WechatApiError || error instanceof WechatUnavailableError
        ? error.message
        : String(error);
    this.logger.warn(
      `refreshing ${authorizerAppid} failed (${reason}); next try in ${delay / 1000} s`,
    );
    await this.tokens.saveFailure(
      claim,
      owner,
      new Date(this.clock.nowMs() + delay),
      log('error', errcode),
    );
    return 'retry_later';
  }

  private plan(expiresInSec: number) {
    const a = this.options.authorizer;
    return planNextRefresh(
      this.clock.nowMs(),
      expiresInSec,
      a.refreshMarginSec,
      a.refreshJitterSec,
    );
  }

  private forget(componentAppid: string, authorizerAppid: string, version: number): void {
    const key = `${componentAppid}/${authorizerAppid}`;
    if (this.memory.get(key)?.version === version) this.memory.delete(key);
  }

  private async resolveComponent(authorizerAppid: string): Promise<string> {
    const known = this.componentOf.get(authorizerAppid);
    if (known) return known;
    const records = (await this.registry.findByAppid(authorizerAppid)).filter(
      (r) => r.status === 'authorized',
    );
    if (records.length === 0) {
      const any = await this.registry.findByAppid(authorizerAppid);
      if (any.length === 1 && any[0].status === 'revoked')
        throw new AuthorizerRevokedError(authorizerAppid);
      if (any.length === 1) throw new AuthorizerNeedsReauthError(authorizerAppid);
      throw new AuthorizerNotFoundError(authorizerAppid);
    }
    if (records.length > 1) throw new AuthorizerAmbiguousError(authorizerAppid);
    this.componentOf.set(authorizerAppid, records[0].componentAppid);
    return records[0].componentAppid;
  }

  private async current(authorizerAppid: string, componentAppid?: string): Promise<CachedToken> {
    const component = componentAppid ?? (await this.resolveComponent(authorizerAppid));
    const key = `${component}/${authorizerAppid}`;
    const cached = this.memory.get(key);
    const now = this.clock.nowMs();
    const ttl = this.notified ? NOTIFIED_TTL_MS : POLL_TTL_MS;
    if (cached && cached.expiresAt - this.minRemainingMs > now && now - cached.checkedAt < ttl)
      return cached;
    return this.flights.run(key, () => this.load(component, authorizerAppid));
  }

  private async load(componentAppid: string, authorizerAppid: string): Promise<CachedToken> {
    const deadline = this.clock.nowMs() + WAIT_FOR_OTHER_MS;
    const key = `${componentAppid}/${authorizerAppid}`;
    for (let refreshed = 0; ;) {
      const row = await this.tokens.find(componentAppid, authorizerAppid);
      if (!row) throw new AuthorizerNotFoundError(authorizerAppid, componentAppid);
      if (row.status === 'revoked') throw new AuthorizerRevokedError(authorizerAppid);
      if (row.status === 'needs_reauth') throw new AuthorizerNeedsReauthError(authorizerAppid);
      if (
        row.accessTokenCiphertext &&
        row.expiresAt &&
        row.expiresAt.getTime() - this.minRemainingMs > this.clock.nowMs()
      ) {
        const entry: CachedToken = {
          token: this.box.open(row.accessTokenCiphertext),
          version: row.version,
          expiresAt: row.expiresAt.getTime(),
          checkedAt: this.clock.nowMs(),
        };
        this.memory.set(key, entry);
        return entry;
      }
      if (!row.refreshTokenCiphertext) throw new AuthorizerNeedsReauthError(authorizerAppid);
      if (refreshed >= 2)
        throw new AuthorizerTokenUnavailableError(
          authorizerAppid,
          'refresh did not produce a token',
        );
      const now = this.clock.now();
      const claim = await this.tokens.claimOne(
        componentAppid,
        authorizerAppid,
        this.options.instanceId,
        now,
        new Date(now.getTime() + LEASE_MS),
      );
      if (claim) {
        refreshed++;
        const result = await this.refreshClaimed(claim, 'demand');
        if (result === 'quota')
          throw new AuthorizerTokenUnavailableError(
            authorizerAppid,
            'WeChat quota exhausted (45009)',
          );
        if (result === 'retry_later')
          throw new AuthorizerTokenUnavailableError(
            authorizerAppid,
            'WeChat did not answer; retry later',
          );
        continue; // re-read: revoked / needs_reauth / the new token
      }
      if (this.clock.nowMs() > deadline) {
        throw new AuthorizerTokenUnavailableError(
          authorizerAppid,
          'another instance is refreshing it',
        );
      }
      await sleep(100);
    }
  }

  private get minRemainingMs(): number {
    return this.options.minTokenRemainingSec * 1000;
  }
}
