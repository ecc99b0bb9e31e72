import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { WechatApiClient, WechatRequest, WechatResponse } from '../client/wechat-api.client.js';
import {
  isTokenInvalid,
  WechatApiError,
  WechatQuotaExhaustedError,
  WechatUnavailableError,
} from '../client/wechat-api.errors.js';
import { VerifyTicketMissingError } from '../component-ticket/component-ticket.errors.js';
import { ComponentTokenService } from '../component-ticket/component-token.service.js';
import { CredentialLoader, FetchOutcome } from '../concurrency/credential-loader.js';
import { LeaseKeeper } from '../concurrency/lease-keeper.js';
import { WriteBatcher } from '../concurrency/write-batcher.js';
import { Clock } from '../core/clock.js';
import { WechatOpenError } from '../errors/wechat-open.error.js';
import { SecretBox } from '../core/secret-box.js';
import { isUsable, minRemainingMs, NOMINAL_LIFETIME_SEC } from '../core/token-timing.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import {
  AuthorizerTokenRepository,
  ClaimedToken,
  RefreshedToken,
  RefreshLogEntry,
  StoredAuthorizerToken,
  TokenKey,
} from './authorizer-token.repository.js';
import {
  AuthorizerDetachedError,
  AuthorizerNeedsReauthError,
  AuthorizerNotFoundError,
  AuthorizerRevokedError,
  AuthorizerTokenUnavailableError,
} from './authorizer.errors.js';
import { AuthorizerEvents } from './authorizer.events.js';
import { AuthorizerLocator } from './authorizer.locator.js';
import { AuthorizerService } from './authorizer.service.js';
import {
  boundByTimeLeft,
  planNextRefresh,
  retryDelayMs,
  unknownOutcomeRetryMs,
} from './refresh-plan.js';
import { AUTHORIZER_LOCATOR, SECRET_BOX } from '../core/internal-tokens.js';

interface CachedToken {
  token: string;
  version: number;
  expiresAt: number;
  /** What WeChat gave it (expires_in): the margins scale with it. */
  lifetimeMs: number;
  /** Handed out only before this (expiresAt less the minimum remaining time, scaled). */
  usableUntil: number;
  /** The token as a settled promise, made once: what a cached read returns. */
  settled: Promise<string>;
  checkedAt: number;
}

/** An authorizer_access_token with the time it expires. */
export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** How token reads were served since start: from memory, or from the database / WeChat. */
export interface TokenReadStats {
  hits: number;
  misses: number;
}

export type RefreshResult = 'ok' | 'stale' | 'revoked' | 'needs_reauth' | 'quota' | 'retry_later';

/** What a refresh came to, with the failure and the planned next try when it failed. */
interface RefreshOutcome {
  result: RefreshResult;
  error?: unknown;
  retryAt?: Date;
}

const ENDPOINT = 'api_authorizer_token';
/** The component's verify ticket was refused (expired / not the newest) while minting its token. */
const TICKET_ERRCODES: ReadonlySet<number> = new Set([61005, 61006]);
const WAIT_FOR_OTHER_MS = 15_000;
/** Trust the in-process copy this long when other instances' refreshes are not announced. */
const POLL_TTL_MS = 10_000;
/** With LISTEN/NOTIFY, re-check the database this rarely all the same. */
const NOTIFIED_TTL_MS = 5 * 60_000;
const QUOTA_PAUSE_MS = 60 * 60_000;
/**
 * How long a token the sweep refreshed may wait to be written with others. Nobody waits on it
 * (the sweep's slot is free once WeChat has answered, and the claim's lease is kept meanwhile),
 * and at the sweep's pace, up to a thousand tokens a second, this makes groups of dozens: one
 * statement for each group instead of one for every two or three tokens. On demand, a caller
 * waits: the batcher's short default.
 */
const SWEEP_WRITE_DELAY_MS = 50;

/**
 * authorizer_access_token for every authorized account: read from memory on the hot path,
 * refreshed through api_authorizer_token by the sweep or on demand, under a lease so that one
 * instance refreshes a token at a time, and written back only over the version it read.
 */
@Injectable()
export class AuthorizerTokenService implements OnApplicationShutdown {
  private readonly logger = new Logger('AuthorizerTokenService');
  /**
   * Memory, else the row, else refreshed on demand under the row's claim (single-flight across
   * instances).
   */
  private readonly accessTokens: CredentialLoader<
    TokenKey,
    StoredAuthorizerToken,
    ClaimedToken,
    CachedToken
  >;
  /**
   * How long a copy is trusted: longer while LISTEN/NOTIFY keeps this instance informed
   * (notificationsUp / notificationsDown).
   */
  private copyTtlMs = POLL_TTL_MS;
  /** Reads served by `trustedCopy` without going through the loader (counted as hits). */
  private fastHits = 0;
  /** Renews the leases of the tokens this instance is refreshing (sweep and on demand). */
  private readonly leases: LeaseKeeper<TokenKey>;
  /** Refreshed tokens are written back in groups: one statement and one commit per group. */
  private readonly writes = new WriteBatcher<RefreshedToken, number | null>((items) =>
    this.tokens.saveRefreshedBatch(this.options.instanceId, items),
  );

  constructor(
    private readonly tokens: AuthorizerTokenRepository,
    @Inject(AUTHORIZER_LOCATOR) private readonly locator: AuthorizerLocator,
    private readonly accounts: AuthorizerService,
    private readonly componentTokens: ComponentTokenService,
    private readonly api: WechatApiClient,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly events: AuthorizerEvents,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {
    this.leases = new LeaseKeeper<TokenKey>({
      leaseMs: this.leaseMs,
      idOf: (k) => `${k.componentAppid}/${k.authorizerAppid}`,
      renew: (keys) =>
        this.tokens.renewLeases(
          this.options.instanceId,
          keys,
          new Date(this.clock.nowMs() + this.leaseMs),
        ),
      onError: (error) => this.logger.warn(`could not renew refresh leases: ${String(error)}`),
    });
    this.accessTokens = new CredentialLoader({
      id: (k: TokenKey) => `${k.componentAppid}/${k.authorizerAppid}`,
      now: () => this.clock.nowMs(),
      cacheTtlMs: () => this.copyTtlMs,
      servable: (cached) => this.clock.nowMs() < cached.usableUntil,
      read: (k) => this.readToken(k),
      // A usable token is served however close to its refresh: the sweep refreshes ahead.
      usable: (row) =>
        Boolean(row.accessTokenCiphertext) &&
        row.expiresAt !== null &&
        this.usable(row.expiresAt, lifetimeMs(row.expiresAt, row.refreshedAt)),
      // Paused (45009) or backing off (-1, timeouts): on demand waits as the sweep does, and
      // says why at once instead of asking WeChat again.
      blocked: (k, row) =>
        !row.refreshTokenCiphertext
          ? { untilMs: 0, error: new AuthorizerNeedsReauthError(k.authorizerAppid) }
          : backingOff(row, this.clock.now())
            ? { untilMs: row.nextRefreshAt?.getTime() ?? 0, error: pausedError(row) }
            : null,
      // Only rows `usable` accepted are served: present ones.
      serve: (_k, row) =>
        this.cachedToken(
          this.box.open(row.accessTokenCiphertext!),
          row.version,
          row.expiresAt!.getTime(),
          lifetimeMs(row.expiresAt, row.refreshedAt),
        ),
      // The claim returns no access token: its own conditions are what `blocked` checks, plus
      // the version of the row just read (a token stored since then is served, not refreshed
      // again), and the refreshed token is read back from the row.
      tryLease: async (k, row) => {
        // `read` throws rather than return no row, so there is always one here.
        if (row === null) return null;
        const now = this.clock.now();
        const claim = await this.tokens.claimOne(
          k.componentAppid,
          k.authorizerAppid,
          this.options.instanceId,
          now,
          new Date(now.getTime() + this.leaseMs),
          row.version,
        );
        return claim && { lease: claim };
      },
      fetch: (_k, claim) => this.refreshOnDemand(claim),
      unavailable: (k, reason) =>
        new AuthorizerTokenUnavailableError(
          k.authorizerAppid,
          reason === 'timeout'
            ? 'another instance is refreshing it'
            : 'refresh did not produce a token',
        ),
      waitMs: WAIT_FOR_OTHER_MS,
      // The account's state is a WechatOpenError; anything else is the database out of reach,
      // through which a token still valid in memory keeps serving.
      outage: (error) => !(error instanceof WechatOpenError),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.leases.close();
  }

  /** How long a refresh claim lasts unless renewed (authorizer.leaseSec). */
  get leaseMs(): number {
    return this.options.authorizer.leaseSec * 1000;
  }

  /**
   * Keeps the lease of a token this instance claimed alive until the returned release is called
   * (the sweep holds its claims from the claim to the stored result).
   */
  holdLease(key: TokenKey): () => void {
    return this.leases.hold({
      componentAppid: key.componentAppid,
      authorizerAppid: key.authorizerAppid,
    });
  }

  /**
   * Writes the refreshed tokens still waiting for their group now: the sweep calls it when it
   * has nothing left to start, rather than let the last group wait out its delay.
   */
  flushWrites(): void {
    this.writes.flushNow();
  }

  /** Counts of token reads served from memory and not, since start (read at scrape time). */
  readStats(): TokenReadStats {
    return { hits: this.accessTokens.hits + this.fastHits, misses: this.accessTokens.misses };
  }

  /** LISTEN is (again) in place: copies are trusted longer, and dropped, as changes were missed. */
  notificationsUp(): void {
    this.copyTtlMs = NOTIFIED_TTL_MS;
    this.accessTokens.clear();
  }

  /** LISTEN is lost: re-check copies against the database every few seconds until it is back. */
  notificationsDown(): void {
    this.copyTtlMs = POLL_TTL_MS;
  }

  /**
   * A valid authorizer_access_token. `componentAppid` may be left out when the account is
   * authorized for one of our components only.
   */
  getAuthorizerAccessToken(authorizerAppid: string, componentAppid?: string): Promise<string> {
    // The hot path: a trusted copy, without an async function's promises on the way.
    if (componentAppid !== undefined) {
      const copy = this.trustedCopy(componentAppid, authorizerAppid);
      if (copy) return copy.settled;
    }
    return this.current(authorizerAppid, componentAppid).then((t) => t.token);
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
      await this.expire(component, authorizerAppid, first.version);
      const second = await this.current(authorizerAppid, component);
      return call(second.token);
    }
  }

  /**
   * The token with its expiry, read exactly as `getAuthorizerAccessToken` reads it (memory, else
   * the row, else refreshed on demand). For hosts that hand tokens to other services.
   */
  async getAuthorizerToken(authorizerAppid: string, componentAppid?: string): Promise<IssuedToken> {
    return issued(await this.current(authorizerAppid, componentAppid));
  }

  /**
   * Someone holding `rejectedToken` was told by WeChat that it is invalid (40001 / 42001).
   * Compare-and-swap: only while it is still the current token (compared in constant time) is
   * its version made due and the next one fetched; when the current token already differs it is
   * returned as is. However many callers report the same token, at most one refresh follows:
   * the version CAS in the database and single-flight in memory see to it, across instances too.
   */
  async rejectToken(
    authorizerAppid: string,
    rejectedToken: string,
    componentAppid?: string,
  ): Promise<IssuedToken> {
    const component = componentAppid ?? (await this.resolveComponent(authorizerAppid));
    const current = await this.current(authorizerAppid, component);
    if (!sameSecret(current.token, rejectedToken)) return issued(current);
    this.logger.warn(
      `token v${current.version} of ${authorizerAppid} reported rejected; refreshing`,
    );
    await this.expire(component, authorizerAppid, current.version);
    return issued(await this.current(authorizerAppid, component));
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
    this.accessTokens.forget(
      { componentAppid, authorizerAppid },
      (cached) => version === null || cached.version < version,
    );
  }

  /**
   * Refreshes a claimed token through api_authorizer_token and stores the result (or the
   * failure, with the next try planned). Never throws for WeChat's answers: returns what happened.
   */
  async refreshClaimed(
    claim: ClaimedToken,
    trigger: RefreshLogEntry['trigger'],
    options: {
      /** Called as soon as WeChat has answered, before the result is stored. */
      onAnswered?: () => void;
    } = {},
  ): Promise<RefreshResult> {
    const { result } = await this.attemptRefresh(claim, trigger, options);
    this.events.emit('refreshed', { componentAppid: claim.componentAppid, trigger, result });
    return result;
  }

  private async attemptRefresh(
    claim: ClaimedToken,
    trigger: RefreshLogEntry['trigger'],
    options: {
      /** A 61023 already led to a retry with the listed refresh token. */
      recovered?: boolean;
      onAnswered?: () => void;
    } = {},
  ): Promise<RefreshOutcome> {
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
      return { result: 'needs_reauth' };
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
        { issuesToken: true },
      );
      options.onAnswered?.();
      const accessToken = String(answer.authorizer_access_token);
      // WeChat echoes the refresh token; store whatever comes back, in case it ever differs.
      const returned = answer.authorizer_refresh_token;
      const refreshToken = typeof returned === 'string' && returned ? returned : currentRefresh;
      const expiresInSec = Number(answer.expires_in ?? NOMINAL_LIFETIME_SEC);
      const plan = this.plan(expiresInSec);
      const sealedAccess = this.box.seal(accessToken);
      const done = log('ok', null);
      const version = await this.writes.submit(
        {
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
        },
        trigger === 'schedule' ? SWEEP_WRITE_DELAY_MS : undefined,
      );
      if (version === null) return { result: 'stale' };
      this.accessTokens.set(
        { componentAppid, authorizerAppid },
        this.cachedToken(accessToken, version, plan.expiresAt.getTime(), expiresInSec * 1000),
      );
      return { result: 'ok' };
    } catch (error) {
      return this.handleRefreshFailure(claim, trigger, recovered, currentRefresh, error, log);
    }
  }

  private async handleRefreshFailure(
    claim: ClaimedToken,
    trigger: RefreshLogEntry['trigger'],
    recovered: boolean,
    currentRefresh: string,
    error: unknown,
    log: (result: string, errcode: number | null) => RefreshLogEntry,
  ): Promise<RefreshOutcome> {
    const owner = this.options.instanceId;
    const { componentAppid, authorizerAppid } = claim;
    const errcode = error instanceof WechatApiError ? error.errcode : null;
    if (errcode === 61003) {
      await this.tokens.saveFailure(claim, owner, null, log('revoked', errcode));
      await this.accounts.revoke(componentAppid, authorizerAppid, 'refresh');
      return { result: 'revoked', error };
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
        if (fromList === currentRefresh) {
          this.logger.warn(
            `refreshing ${authorizerAppid} got 61023, and api_get_authorizer_list lists the same refresh token; retrying once with it`,
          );
          return this.attemptRefresh(claim, trigger, { recovered: true });
        }
        if (fromList) {
          this.logger.warn(
            `refreshing ${authorizerAppid} got 61023; api_get_authorizer_list lists another refresh token, retrying with it`,
          );
          const sealed = this.box.seal(fromList);
          await this.tokens.replaceRefreshToken(claim, owner, sealed);
          return this.attemptRefresh({ ...claim, refreshTokenCiphertext: sealed }, trigger, {
            recovered: true,
          });
        }
      }
      await this.tokens.saveFailure(claim, owner, null, log('needs_reauth', errcode));
      await this.accounts.markNeedsReauth(componentAppid, authorizerAppid, 'refresh');
      return { result: 'needs_reauth', error };
    }
    if (errcode === 45009) {
      this.logger.error(
        `daily quota exhausted refreshing ${authorizerAppid} (45009); pausing this token for an hour`,
      );
      const retryAt = new Date(this.clock.nowMs() + QUOTA_PAUSE_MS);
      await this.tokens.saveFailure(claim, owner, retryAt, log('quota', errcode));
      this.events.emit('quota_exhausted', { componentAppid, authorizerAppid });
      return { result: 'quota', error, retryAt };
    }
    const failures = claim.failureCount + 1;
    // A timed-out refresh may have produced a token we never saw, which retires ours after
    // WeChat's grace: the stored token is suspect, so try again within seconds.
    const unknownOutcome = error instanceof WechatUnavailableError && error.outcomeUnknown;
    // Either way, the next try comes while the stored token still has time left.
    const lifetime = lifetimeMs(claim.expiresAt, claim.refreshedAt);
    const delay = boundByTimeLeft(
      unknownOutcome ? unknownOutcomeRetryMs(failures, lifetime) : retryDelayMs(failures),
      this.clock.nowMs(),
      claim.expiresAt?.getTime() ?? null,
      lifetime,
    );
    const next = `next try in ${Math.round(delay / 1000)} s`;
    if (unknownOutcome) {
      this.logger.warn(
        `refreshing ${authorizerAppid} timed out: WeChat may have issued a token we never saw, which retires the stored one after a grace of minutes; ${next}`,
      );
    } else {
      this.logger.warn(`refreshing ${authorizerAppid} failed: ${describeFailure(error)}; ${next}`);
    }
    const retryAt = new Date(this.clock.nowMs() + delay);
    await this.tokens.saveFailure(claim, owner, retryAt, log('error', errcode));
    return { result: 'retry_later', error, retryAt };
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
    this.accessTokens.forget(
      { componentAppid, authorizerAppid },
      (cached) => cached.version === version,
    );
  }

  /**
   * Token `version` is dead: drop its copy here and make it due in the database, only if it is
   * still the stored version (a newer one stays).
   */
  private async expire(
    componentAppid: string,
    authorizerAppid: string,
    version: number,
  ): Promise<void> {
    this.forget(componentAppid, authorizerAppid, version);
    await this.tokens.expireVersion(componentAppid, authorizerAppid, version, this.clock.now());
  }

  /** The component the account is authorized for (AuthorizerLocator). */
  private resolveComponent(authorizerAppid: string): Promise<string> {
    return this.locator.componentOf(authorizerAppid);
  }

  private async current(authorizerAppid: string, componentAppid?: string): Promise<CachedToken> {
    if (componentAppid !== undefined) {
      const copy = this.trustedCopy(componentAppid, authorizerAppid);
      if (copy) return copy;
    }
    const component = componentAppid ?? (await this.resolveComponent(authorizerAppid));
    return this.accessTokens.get({ componentAppid: component, authorizerAppid });
  }

  /**
   * The in-process copy when it may be served as it is (what the loader's `get` checks first:
   * confirmed within the TTL, still usable), else undefined. A rejected or erased token's copy
   * is dropped (forget, onTokenChanged), so it is never found here.
   */
  private trustedCopy(componentAppid: string, authorizerAppid: string): CachedToken | undefined {
    const copy = this.accessTokens.peek({ componentAppid, authorizerAppid });
    if (copy === undefined) return undefined;
    const now = this.clock.nowMs();
    if (now - copy.checkedAt >= this.copyTtlMs || now >= copy.usableUntil) return undefined;
    this.fastHits++;
    return copy;
  }

  /** A copy to keep in memory, with the time until which it may be handed out. */
  private cachedToken(
    token: string,
    version: number,
    expiresAt: number,
    lifetime: number,
  ): CachedToken {
    return {
      token,
      version,
      expiresAt,
      lifetimeMs: lifetime,
      usableUntil: expiresAt - minRemainingMs(lifetime, this.options.minTokenRemainingSec),
      settled: Promise.resolve(token),
      checkedAt: this.clock.nowMs(),
    };
  }

  /** The stored token; the account's state as the registry's error when it can have none. */
  private async readToken(k: TokenKey): Promise<StoredAuthorizerToken> {
    const row = await this.tokens.find(k.componentAppid, k.authorizerAppid);
    if (!row) throw new AuthorizerNotFoundError(k.authorizerAppid, k.componentAppid);
    if (row.status === 'revoked') throw new AuthorizerRevokedError(k.authorizerAppid);
    if (row.status === 'needs_reauth') throw new AuthorizerNeedsReauthError(k.authorizerAppid);
    if (row.status === 'detached') throw new AuthorizerDetachedError(k.authorizerAppid);
    return row;
  }

  /**
   * Refreshes a token claimed on demand, renewing the claim while WeChat answers. What was
   * stored (the new token, or the account's new state) is read back; a paused or failed refresh
   * is the caller's error, saying what happened.
   */
  private async refreshOnDemand(claim: ClaimedToken): Promise<FetchOutcome<CachedToken>> {
    const outcome = await this.leases.keep(claim, () => this.attemptRefresh(claim, 'demand'));
    this.events.emit('refreshed', {
      componentAppid: claim.componentAppid,
      trigger: 'demand',
      result: outcome.result,
    });
    if (outcome.result === 'quota' || outcome.result === 'retry_later') {
      return {
        kind: 'failed',
        error: refreshError(claim.authorizerAppid, outcome),
        retryAtMs: outcome.retryAt?.getTime() ?? null,
      };
    }
    return { kind: 'stored' };
  }

  /** Whether a token may still be handed out: the configured minimum, scaled to its lifetime. */
  private usable(expiresAt: Date | number, lifetime: number): boolean {
    return isUsable(
      this.clock.nowMs(),
      typeof expiresAt === 'number' ? expiresAt : expiresAt.getTime(),
      lifetime,
      this.options.minTokenRemainingSec,
    );
  }
}

function issued(t: CachedToken): IssuedToken {
  return { token: t.token, expiresAt: new Date(t.expiresAt) };
}

/** Whether two secrets are equal, in time that depends on neither (hashes have one length). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(a).digest(),
    createHash('sha256').update(b).digest(),
  );
}

/** A stored token's lifetime (expiry − issue), or WeChat's nominal one when unknown. */
function lifetimeMs(expiresAt: Date | null, refreshedAt: Date | null): number {
  const lifetime = expiresAt && refreshedAt ? expiresAt.getTime() - refreshedAt.getTime() : 0;
  return lifetime > 0 ? lifetime : NOMINAL_LIFETIME_SEC * 1000;
}

/** Failed refreshes planned a next try that has not come yet: a 45009 pause or a backoff. */
function backingOff(row: StoredAuthorizerToken, now: Date): boolean {
  return (
    row.failureCount > 0 &&
    row.nextRefreshAt !== null &&
    row.nextRefreshAt.getTime() > now.getTime()
  );
}

/** The error for a caller that finds the refresh paused or backing off. */
function pausedError(row: StoredAuthorizerToken): Error {
  if (row.lastErrcode === 45009)
    return new WechatQuotaExhaustedError(ENDPOINT, row.nextRefreshAt, row.authorizerAppid);
  const last =
    row.lastErrcode === null
      ? 'no answer'
      : TICKET_ERRCODES.has(row.lastErrcode)
        ? `the component's verify ticket was refused (${row.lastErrcode})`
        : `errcode ${row.lastErrcode}`;
  const tries = row.failureCount === 1 ? 'try' : 'tries';
  return new WechatUnavailableError(
    ENDPOINT,
    `refreshing ${row.authorizerAppid} is backing off after ${row.failureCount} failed ${tries} ` +
      `(last: ${last}); next try at ${row.nextRefreshAt?.toISOString() ?? 'unknown'}`,
  );
}

/** The error for the caller whose own refresh just failed, saying what happened. */
function refreshError(authorizerAppid: string, outcome: RefreshOutcome): Error {
  const { error, retryAt } = outcome;
  const next = retryAt ? `; next try at ${retryAt.toISOString()}` : '';
  if (outcome.result === 'quota')
    return new WechatQuotaExhaustedError(ENDPOINT, retryAt ?? null, authorizerAppid);
  if (error instanceof WechatUnavailableError) return error;
  if (error instanceof WechatApiError && error.transient)
    return new WechatUnavailableError(ENDPOINT, `WeChat is busy (${error.errcode})${next}`, {
      cause: error,
    });
  return new AuthorizerTokenUnavailableError(
    authorizerAppid,
    `refresh failed: ${describeFailure(error)}${next}`,
    { cause: error },
  );
}

/** What went wrong in a refresh, in words that point at the cause. Never holds a secret. */
function describeFailure(error: unknown): string {
  if (error instanceof WechatApiError && TICKET_ERRCODES.has(error.errcode))
    return (
      `WeChat refused the component's verify ticket (${error.errcode}) while minting the ` +
      'component token; a new ticket push is needed'
    );
  if (error instanceof VerifyTicketMissingError)
    return 'no component_verify_ticket has been received yet';
  if (error instanceof Error) return error.message;
  return String(error);
}
