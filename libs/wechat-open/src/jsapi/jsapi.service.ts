import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AuthorizerAmbiguousError,
  AuthorizerNeedsReauthError,
  AuthorizerNotFoundError,
  AuthorizerRevokedError,
} from '../authorizer/authorizer.errors.js';
import { AuthorizerEvents } from '../authorizer/authorizer.events.js';
import { AuthorizerTokenService } from '../authorizer/authorizer-token.service.js';
import { AuthorizerStatus } from '../authorizer/authorizer.types.js';
import { WechatApiClient } from '../client/wechat-api.client.js';
import {
  WechatApiError,
  WechatQuotaExhaustedError,
  WechatUnavailableError,
} from '../client/wechat-api.errors.js';
import { Clock } from '../core/clock.js';
import { SecretBox } from '../core/secret-box.js';
import { SingleFlight } from '../core/single-flight.js';
import { isDue, isUsable, NOMINAL_LIFETIME_SEC } from '../core/token-timing.js';
import { signCard, signChooseCard } from '../crypto/card-signature.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { JsApiTicketType } from './jsapi-ticket.entity.js';
import { JsApiTicketRepository, StoredJsApiTicket, TicketKey } from './jsapi-ticket.repository.js';
import {
  JsApiTicketUnavailableError,
  JsSdkUrlInvalidError,
  JsSdkUrlNotAllowedError,
} from './jsapi.errors.js';
import {
  allowedHostsFor,
  buildJsSdkConfig,
  JsSdkConfig,
  pageHost,
  randomNonce,
  ticketRetryDelayMs,
} from './jsapi.policy.js';

interface CachedTicket {
  ticket: string;
  version: number;
  expiresAt: number;
  lifetimeMs: number;
  checkedAt: number;
  /** Last time this instance wrote last_used_at for it. */
  touchedAt: number;
  /** After a failed refresh of a still-valid ticket, the next try waits until then. */
  refreshNotBefore: number;
}

/** What a fetch under the lease came to: the ticket, or the error to report and the next try. */
type FetchOutcome =
  { ok: true; entry: CachedTicket } | { ok: false; error: unknown; retryAt: Date | null };

/** What a page needs for wx.addCard / batchAddCard: `cardExt` is the JSON string to pass as is. */
export interface CardExtResult {
  cardId: string;
  /** JSON of code, openid, timestamp, nonce_str, signature (and outer_str, fixed_begintimestamp). */
  cardExt: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

export interface CardExtInput {
  cardId: string;
  code?: string;
  openid?: string;
  /** Red-packet cards only; signed, not put into cardExt. */
  balance?: string | number;
  /** Channel marker (not signed). */
  outerStr?: string;
  /** For DATE_TYPE_FIX_TERM cards (not signed). */
  fixedBeginTimestamp?: number;
}

/** Arguments of wx.chooseCard, signed. */
export interface ChooseCardConfig {
  shopId: string;
  cardType: string;
  cardId: string;
  timestamp: number;
  nonceStr: string;
  signType: 'SHA1';
  cardSign: string;
}

/** Ticket facts for dashboards and tests: times and version only, never the ticket. */
export interface JsApiTicketStatus {
  present: boolean;
  version: number;
  expiresAt: Date | null;
  refreshedAt: Date | null;
  lastUsedAt: Date | null;
  /** Failed getticket calls in a row (0 after a success). */
  failureCount: number;
  /** After failures: no getticket for this ticket before then (null: none planned). */
  retryAt: Date | null;
}

/** How long the in-process copy is trusted before the database is asked (refreshes, revocations). */
const MEMORY_TTL_MS = 10_000;
const LEASE_MS = 30_000;
const WAIT_FOR_OTHER_MS = 15_000;
const SWEEP_BATCH = 100;
const MAX_TOUCH_INTERVAL_MS = 60_000;
/** The endpoint name in errors (as the WeChat client names it). */
const GETTICKET = 'getticket';
const NOMINAL_LIFETIME_MS = NOMINAL_LIFETIME_SEC * 1000;

/**
 * The JS-SDK tickets (jsapi_ticket, wx_card api_ticket) of every authorized account, fetched with
 * the account's authorizer_access_token on first use, kept encrypted in jsapi_ticket, refreshed
 * before expiry by one instance at a time (a lease row) while in use, and served from memory; and
 * the signatures built on them. getticket's quota is small: after a failed fetch nobody calls it
 * for that ticket before the planned retry (60 s doubling to 10 min, an hour after 45009); the
 * stored ticket serves meanwhile while it is valid, and after that callers are refused at once.
 */
@Injectable()
export class JsApiService implements OnModuleInit {
  private readonly logger = new Logger('JsApiService');
  private readonly memory = new Map<string, CachedTicket>();
  private readonly componentOf = new Map<string, string>();
  private readonly flights = new SingleFlight<CachedTicket>();

  constructor(
    private readonly repo: JsApiTicketRepository,
    private readonly tokens: AuthorizerTokenService,
    private readonly events: AuthorizerEvents,
    private readonly api: WechatApiClient,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  onModuleInit(): void {
    this.events.on('revoked', async ({ record }) => {
      await this.forgetAccount(record.componentAppid, record.authorizerAppid);
    });
    // Another instance's revocation arrives by NOTIFY: drop the copies kept in memory here.
    this.events.on('tokens_erased', ({ componentAppid, authorizerAppid }) => {
      this.forgetCached(componentAppid, authorizerAppid);
    });
  }

  /**
   * The `wx.config` for a page of the account: appId is the authorizer's appid, the URL is signed
   * without its fragment, with a fresh nonce and the current time. Throws JSSDK_URL_NOT_ALLOWED
   * when the page's host is not an allowed domain of the account, AUTHORIZER_REVOKED when the
   * account revoked the authorization.
   */
  async getJsSdkConfig(
    authorizerAppid: string,
    url: string,
    jsApiList: readonly string[] = [],
    componentAppid?: string,
  ): Promise<JsSdkConfig> {
    this.checkUrl(authorizerAppid, url);
    const ticket = await this.getTicket(authorizerAppid, 'jsapi', componentAppid);
    return buildJsSdkConfig({
      appId: authorizerAppid,
      ticket,
      url,
      timestamp: this.unixSeconds(),
      nonceStr: randomNonce(),
      jsApiList,
    });
  }

  /** The cardExt (with its signature) for wx.addCard, signed with the account's wx_card ticket. */
  async getCardExt(
    authorizerAppid: string,
    card: CardExtInput,
    componentAppid?: string,
  ): Promise<CardExtResult> {
    const apiTicket = await this.getTicket(authorizerAppid, 'wx_card', componentAppid);
    const timestamp = this.unixSeconds();
    const nonceStr = randomNonce(32);
    const { signature } = signCard({ apiTicket, timestamp, nonceStr, ...card });
    // The official cardExt table says timestamp is passed as a string.
    const ext: Record<string, string | number> = {
      timestamp: String(timestamp),
      nonce_str: nonceStr,
      signature,
    };
    if (card.code !== undefined) ext.code = card.code;
    if (card.openid !== undefined) ext.openid = card.openid;
    if (card.outerStr !== undefined) ext.outer_str = card.outerStr;
    if (card.fixedBeginTimestamp !== undefined) ext.fixed_begintimestamp = card.fixedBeginTimestamp;
    return { cardId: card.cardId, cardExt: JSON.stringify(ext), timestamp, nonceStr, signature };
  }

  /** Signed arguments for wx.chooseCard (cardSign over the account's wx_card ticket). */
  async getChooseCardConfig(
    authorizerAppid: string,
    filter: { shopId?: string; cardType?: string; cardId?: string } = {},
    componentAppid?: string,
  ): Promise<ChooseCardConfig> {
    const apiTicket = await this.getTicket(authorizerAppid, 'wx_card', componentAppid);
    const timestamp = this.unixSeconds();
    const nonceStr = randomNonce(32);
    const { signature } = signChooseCard({
      apiTicket,
      appId: authorizerAppid,
      timestamp,
      nonceStr,
      locationId: filter.shopId,
      cardId: filter.cardId,
      cardType: filter.cardType,
    });
    return {
      shopId: filter.shopId ?? '',
      cardType: filter.cardType ?? '',
      cardId: filter.cardId ?? '',
      timestamp,
      nonceStr,
      signType: 'SHA1',
      cardSign: signature,
    };
  }

  /**
   * A valid ticket of the account: from memory, else the database, else fetched through getticket
   * with the authorizer_access_token (single-flight in and across instances). A ticket within its
   * refresh margin is refreshed first. `componentAppid` may be left out when the account is
   * authorized for one of our components only. While fetches back off after a failure, throws
   * WECHAT_QUOTA_EXHAUSTED (after 45009) or WECHAT_UNAVAILABLE without calling WeChat, unless the
   * stored ticket is still valid.
   */
  async getTicket(
    authorizerAppid: string,
    type: JsApiTicketType = 'jsapi',
    componentAppid?: string,
  ): Promise<string> {
    const component = componentAppid ?? (await this.resolveComponent(authorizerAppid));
    const key: TicketKey = { componentAppid: component, authorizerAppid, ticketType: type };
    const id = keyOf(key);
    const now = this.clock.nowMs();
    const cached = this.memory.get(id);
    const servable =
      cached &&
      now - cached.checkedAt < MEMORY_TTL_MS &&
      this.usable(cached.expiresAt, cached.lifetimeMs) &&
      (!this.isDue(cached) || now < cached.refreshNotBefore);
    const entry = servable ? cached : await this.flights.run(id, () => this.load(key));
    await this.touch(key, entry);
    return entry.ticket;
  }

  async status(
    authorizerAppid: string,
    type: JsApiTicketType = 'jsapi',
    componentAppid?: string,
  ): Promise<JsApiTicketStatus> {
    const component = componentAppid ?? (await this.resolveComponent(authorizerAppid));
    const { ticket } = await this.repo.find({
      componentAppid: component,
      authorizerAppid,
      ticketType: type,
    });
    return {
      present: Boolean(ticket?.ticketCiphertext),
      version: ticket?.version ?? 0,
      expiresAt: ticket?.expiresAt ?? null,
      refreshedAt: ticket?.refreshedAt ?? null,
      lastUsedAt: ticket?.lastUsedAt ?? null,
      failureCount: ticket?.failureCount ?? 0,
      retryAt: ticket?.retryAt ?? null,
    };
  }

  /**
   * Keep-warm sweep: refreshes tickets within their refresh margin that were used within
   * keepWarmSec and are not backing off after a failure. Idle tickets are left to lapse. Returns
   * how many were refreshed.
   */
  async refreshDueTickets(): Promise<number> {
    const { refreshMarginSec, keepWarmSec } = this.options.jsapi;
    const now = this.clock.now();
    const claims = await this.repo.claimDue(
      this.options.instanceId,
      now,
      new Date(now.getTime() + LEASE_MS),
      new Date(now.getTime() + refreshMarginSec * 1000),
      refreshMarginSec,
      new Date(now.getTime() - keepWarmSec * 1000),
      SWEEP_BATCH,
    );
    let refreshed = 0;
    for (const claim of claims) {
      // A failure is logged, with its next try, and planned where it happened.
      if ((await this.fetchUnderLease(claim, null, 'keep-warm')).ok) refreshed++;
    }
    return refreshed;
  }

  /** Drops the account's tickets here and in the database (after a revocation). */
  async forgetAccount(componentAppid: string, authorizerAppid: string): Promise<void> {
    this.forgetCached(componentAppid, authorizerAppid);
    const deleted = await this.repo.deleteForAuthorizer(componentAppid, authorizerAppid);
    if (deleted > 0)
      this.logger.log(`deleted ${deleted} ticket(s) of ${authorizerAppid} of ${componentAppid}`);
  }

  /** Drops the in-process copies of the account's tickets. */
  forgetCached(componentAppid: string, authorizerAppid: string): void {
    for (const ticketType of ['jsapi', 'wx_card'] as const) {
      this.memory.delete(keyOf({ componentAppid, authorizerAppid, ticketType }));
    }
    if (this.componentOf.get(authorizerAppid) === componentAppid)
      this.componentOf.delete(authorizerAppid);
  }

  private checkUrl(authorizerAppid: string, url: string): void {
    const host = pageHost(url);
    if (host === null) throw new JsSdkUrlInvalidError(authorizerAppid);
    const allowed = allowedHostsFor(this.options.jsapi.allowedDomains, authorizerAppid);
    if (allowed && !allowed.includes(host))
      throw new JsSdkUrlNotAllowedError(authorizerAppid, host);
  }

  private async load(key: TicketKey): Promise<CachedTicket> {
    const deadline = this.clock.nowMs() + WAIT_FOR_OTHER_MS;
    for (;;) {
      const { accountStatus, ticket: row } = await this.repo.find(key);
      await this.requireAuthorized(key, accountStatus);
      if (row && this.fresh(row)) return this.remember(key, row);
      if (row && this.backingOff(row)) return this.duringBackoff(key, row);
      const leased = await this.lease(key);
      if (leased) {
        // Someone fetched, or failed to, between the read and the lease.
        if (this.fresh(leased) || this.backingOff(leased)) {
          await this.repo.releaseLease(key, this.options.instanceId);
          return this.fresh(leased) ? this.remember(key, leased) : this.duringBackoff(key, leased);
        }
        const outcome = await this.fetchUnderLease(leased, this.clock.now(), 'on-demand');
        if (outcome.ok) return outcome.entry;
        // A ticket that is due but still valid keeps serving until the planned retry.
        if (outcome.retryAt && this.usableRow(leased)) {
          const entry = this.remember(key, leased);
          entry.refreshNotBefore = outcome.retryAt.getTime();
          return entry;
        }
        throw outcome.error;
      }
      // Another instance is fetching: the current ticket serves meanwhile if it is still valid.
      if (row && this.usableRow(row)) return this.remember(key, row);
      if (this.clock.nowMs() > deadline) {
        throw new JsApiTicketUnavailableError(
          key.authorizerAppid,
          key.ticketType,
          'another instance is fetching it',
        );
      }
      await sleep(100);
    }
  }

  /**
   * While fetches back off: the stored ticket if it is still valid (not refreshed before the
   * planned retry), else a refusal without calling WeChat.
   */
  private duringBackoff(key: TicketKey, row: StoredJsApiTicket): CachedTicket {
    if (this.usableRow(row)) {
      const entry = this.remember(key, row);
      entry.refreshNotBefore = row.retryAt?.getTime() ?? 0;
      return entry;
    }
    const retryAt = row.retryAt ?? this.clock.now();
    if (row.lastErrcode === 45009)
      throw new WechatQuotaExhaustedError(GETTICKET, retryAt, key.authorizerAppid);
    throw new WechatUnavailableError(
      GETTICKET,
      `the ${key.ticketType} ticket of ${key.authorizerAppid} is not fetched before ${retryAt.toISOString()} ` +
        `(${row.failureCount} failed fetch(es) in a row)`,
    );
  }

  /** Throws the registry's error for an account that cannot have tickets; erases a revoked one's. */
  private async requireAuthorized(key: TicketKey, status: AuthorizerStatus | null): Promise<void> {
    if (status === null) throw new AuthorizerNotFoundError(key.authorizerAppid, key.componentAppid);
    if (status === 'revoked') {
      // The revocation may have been handled by another instance: this one's copies go too.
      await this.forgetAccount(key.componentAppid, key.authorizerAppid);
      throw new AuthorizerRevokedError(key.authorizerAppid);
    }
    if (status === 'needs_reauth') throw new AuthorizerNeedsReauthError(key.authorizerAppid);
  }

  private lease(key: TicketKey): Promise<StoredJsApiTicket | null> {
    const now = this.clock.now();
    return this.repo.tryLease(
      key,
      this.options.instanceId,
      now,
      new Date(now.getTime() + LEASE_MS),
    );
  }

  /**
   * getticket with the authorizer_access_token. On 40001/40014/42001 the token service refreshes
   * the token (compare-and-swap) and the call is made once more: that is the ticket retry too.
   * Never throws: a failure (the token's included) is recorded with its next try and returned.
   */
  private async fetchUnderLease(
    claim: StoredJsApiTicket,
    usedAt: Date | null,
    trigger: 'on-demand' | 'keep-warm',
  ): Promise<FetchOutcome> {
    const key: TicketKey = {
      componentAppid: claim.componentAppid,
      authorizerAppid: claim.authorizerAppid,
      ticketType: claim.ticketType,
    };
    const owner = this.options.instanceId;
    try {
      const answer = await this.tokens.withAuthorizerToken(
        key.authorizerAppid,
        (token) =>
          this.api.request('/cgi-bin/ticket/getticket', {
            query: { access_token: token, type: key.ticketType },
          }),
        key.componentAppid,
      );
      if (typeof answer.ticket !== 'string' || answer.ticket === '') {
        throw new JsApiTicketUnavailableError(
          key.authorizerAppid,
          key.ticketType,
          'getticket returned no ticket',
        );
      }
      const expiresInSec = Number(answer.expires_in ?? NOMINAL_LIFETIME_SEC);
      const now = this.clock.now();
      const expiresAt = new Date(now.getTime() + expiresInSec * 1000);
      const sealed = this.box.seal(answer.ticket);
      const version = await this.repo.save(key, owner, sealed, expiresAt, now, usedAt);
      if (version === null) {
        this.logger.warn(
          `lost the fetch lease of the ${key.ticketType} ticket of ${key.authorizerAppid}; used, not stored`,
        );
        const entry: CachedTicket = {
          ticket: answer.ticket,
          version: -1,
          expiresAt: expiresAt.getTime(),
          lifetimeMs: expiresInSec * 1000,
          checkedAt: 0,
          touchedAt: 0,
          refreshNotBefore: 0,
        };
        return { ok: true, entry };
      }
      this.logger.log(
        `fetched ${key.ticketType} ticket v${version} of ${key.authorizerAppid}, expires ${expiresAt.toISOString()}`,
      );
      const entry: CachedTicket = {
        ticket: answer.ticket,
        version,
        expiresAt: expiresAt.getTime(),
        lifetimeMs: expiresInSec * 1000,
        checkedAt: this.clock.nowMs(),
        touchedAt: usedAt ? usedAt.getTime() : (this.memory.get(keyOf(key))?.touchedAt ?? 0),
        refreshNotBefore: 0,
      };
      this.memory.set(keyOf(key), entry);
      return { ok: true, entry };
    } catch (error) {
      return this.recordFailure(claim, key, error, trigger);
    }
  }

  /**
   * Plans the next getticket after a failure (the lease goes with it) and says so truthfully in
   * the log. An account that cannot have tickets (revoked, needs re-authorization) is not a
   * failure of the fetch: the registry's error is passed on and nothing is planned.
   */
  private async recordFailure(
    claim: StoredJsApiTicket,
    key: TicketKey,
    error: unknown,
    trigger: 'on-demand' | 'keep-warm',
  ): Promise<FetchOutcome> {
    const owner = this.options.instanceId;
    if (isAccountError(error)) {
      await this.repo.releaseLease(key, owner).catch(() => undefined);
      return { ok: false, error, retryAt: null };
    }
    // 45009 from getticket, or from the token's refresh (the token service's typed error).
    const errcode =
      error instanceof WechatQuotaExhaustedError
        ? 45009
        : error instanceof WechatApiError
          ? error.errcode
          : null;
    const now = this.clock.nowMs();
    const planned = new Date(now + ticketRetryDelayMs(claim.failureCount + 1, errcode));
    // The token's own pause, when it names one, is when a fetch can next succeed.
    const retryAt =
      error instanceof WechatQuotaExhaustedError && error.retryAt && error.retryAt.getTime() > now
        ? error.retryAt
        : planned;
    const what = `${trigger} fetch of the ${key.ticketType} ticket of ${key.authorizerAppid} failed (${describe(error)})`;
    try {
      const failures = await this.repo.saveFailure(key, owner, retryAt, errcode);
      const next = `next try at ${retryAt.toISOString()}, in ${Math.round((retryAt.getTime() - now) / 1000)} s`;
      if (failures === null) this.logger.warn(`${what}; the lease was lost to another fetch`);
      else if (errcode === 45009)
        this.logger.error(`${what}; the account's quota is used up, ${next}`);
      else this.logger.warn(`${what}; ${failures} failure(s) in a row, ${next}`);
    } catch (saveError) {
      // Nothing is planned: the lease runs out and the next use or sweep tries again.
      this.logger.error(`${what}; the backoff could not be stored: ${describe(saveError)}`);
      await this.repo.releaseLease(key, owner).catch(() => undefined);
    }
    const reported =
      errcode === 45009 && !(error instanceof WechatQuotaExhaustedError)
        ? new WechatQuotaExhaustedError(GETTICKET, retryAt, key.authorizerAppid)
        : error;
    return { ok: false, error: reported, retryAt };
  }

  /** Writes last_used_at at most once per interval per ticket: the hot path stays in memory. */
  private async touch(key: TicketKey, entry: CachedTicket): Promise<void> {
    const now = this.clock.nowMs();
    const interval = Math.min(MAX_TOUCH_INTERVAL_MS, (this.options.jsapi.keepWarmSec * 1000) / 4);
    if (now - entry.touchedAt < interval) return;
    entry.touchedAt = now;
    try {
      await this.repo.touch(key, new Date(now));
    } catch (error) {
      this.logger.warn(
        `recording the use of a ticket of ${key.authorizerAppid} failed: ${describe(error)}`,
      );
    }
  }

  private remember(key: TicketKey, row: StoredJsApiTicket): CachedTicket {
    const id = keyOf(key);
    const previous = this.memory.get(id);
    const expiresAt = row.expiresAt!.getTime();
    const entry: CachedTicket = {
      ticket: this.box.open(row.ticketCiphertext!),
      version: row.version,
      expiresAt,
      lifetimeMs: lifetimeOf(row),
      checkedAt: this.clock.nowMs(),
      touchedAt: previous?.version === row.version ? previous.touchedAt : 0,
      refreshNotBefore: 0,
    };
    this.memory.set(id, entry);
    return entry;
  }

  private async resolveComponent(authorizerAppid: string): Promise<string> {
    const known = this.componentOf.get(authorizerAppid);
    if (known) return known;
    const accounts = await this.repo.findAccounts(authorizerAppid);
    const authorized = accounts.filter((a) => a.status === 'authorized');
    if (authorized.length > 1) throw new AuthorizerAmbiguousError(authorizerAppid);
    if (authorized.length === 1) {
      this.componentOf.set(authorizerAppid, authorized[0].componentAppid);
      return authorized[0].componentAppid;
    }
    if (accounts.length === 1 && accounts[0].status === 'revoked')
      throw new AuthorizerRevokedError(authorizerAppid);
    if (accounts.length === 1) throw new AuthorizerNeedsReauthError(authorizerAppid);
    throw new AuthorizerNotFoundError(authorizerAppid);
  }

  /** Present, valid for a while yet, and not within its refresh margin. */
  private fresh(row: StoredJsApiTicket): boolean {
    if (!row.ticketCiphertext || !row.expiresAt) return false;
    const expiresAt = row.expiresAt.getTime();
    return (
      this.usableRow(row) &&
      !isDue(this.clock.nowMs(), expiresAt, lifetimeOf(row), this.options.jsapi.refreshMarginSec)
    );
  }

  /** A failed fetch planned the next one for later than now. */
  private backingOff(row: StoredJsApiTicket): boolean {
    return row.retryAt !== null && row.retryAt.getTime() > this.clock.nowMs();
  }

  private isDue(entry: CachedTicket): boolean {
    return isDue(
      this.clock.nowMs(),
      entry.expiresAt,
      entry.lifetimeMs,
      this.options.jsapi.refreshMarginSec,
    );
  }

  private usableRow(row: StoredJsApiTicket): boolean {
    return (
      row.ticketCiphertext !== null &&
      row.expiresAt !== null &&
      this.usable(row.expiresAt.getTime(), lifetimeOf(row))
    );
  }

  /** Never handed out too close to expiry: the page still has to call wx.config with it. */
  private usable(expiresAtMs: number, lifetimeMs: number): boolean {
    return isUsable(this.clock.nowMs(), expiresAtMs, lifetimeMs, this.options.minTokenRemainingSec);
  }

  private unixSeconds(): number {
    return Math.floor(this.clock.nowMs() / 1000);
  }
}

const keyOf = (k: TicketKey): string => `${k.componentAppid}/${k.authorizerAppid}/${k.ticketType}`;

/** The life WeChat gave the stored ticket (the nominal one for rows from before refreshed_at). */
const lifetimeOf = (row: StoredJsApiTicket): number =>
  row.expiresAt && row.refreshedAt
    ? row.expiresAt.getTime() - row.refreshedAt.getTime()
    : NOMINAL_LIFETIME_MS;

/** The account cannot have tickets at all: not a failure of getticket, no backoff. */
const isAccountError = (error: unknown): boolean =>
  error instanceof AuthorizerRevokedError ||
  error instanceof AuthorizerNeedsReauthError ||
  error instanceof AuthorizerNotFoundError ||
  error instanceof AuthorizerAmbiguousError;

/** For logs: library errors carry no secret by design, and no token ever reaches another error's text. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
