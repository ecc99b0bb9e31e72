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
import { Clock } from '../core/clock.js';
import { SecretBox } from '../core/secret-box.js';
import { SingleFlight } from '../core/single-flight.js';
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
  isTicketDue,
  JsSdkConfig,
  pageHost,
  randomNonce,
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
}

/** How long the in-process copy is trusted before the database is asked (refreshes, revocations). */
const MEMORY_TTL_MS = 10_000;
const LEASE_MS = 30_000;
const WAIT_FOR_OTHER_MS = 15_000;
const SWEEP_BATCH = 100;
const MAX_TOUCH_INTERVAL_MS = 60_000;
/** getticket's quota is small: a failed refresh is not retried on every request. */
const RETRY_FAILED_REFRESH_MS = 10_000;

/**
 * The JS-SDK tickets (jsapi_ticket, wx_card api_ticket) of every authorized account, fetched with
 * the account's authorizer_access_token on first use, kept encrypted in jsapi_ticket, refreshed
 * before expiry by one instance at a time (a lease row) while in use, and served from memory; and
 * the signatures built on them.
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
   * authorized for one of our components only.
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
      this.usable(cached.expiresAt) &&
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
    };
  }

  /**
   * Keep-warm sweep: refreshes tickets within their refresh margin that were used within
   * keepWarmSec. Idle tickets are left to lapse. Returns how many were refreshed.
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
      try {
        await this.fetchUnderLease(claim, null);
        refreshed++;
      } catch (error) {
        this.logger.warn(
          `keep-warm refresh of the ${claim.ticketType} ticket of ${claim.authorizerAppid} failed: ${describe(error)}`,
        );
      }
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
      const leased = await this.lease(key);
      if (leased) {
        if (this.fresh(leased)) {
          await this.repo.releaseLease(key, this.options.instanceId);
          return this.remember(key, leased);
        }
        try {
          return await this.fetchUnderLease(key, this.clock.now());
        } catch (error) {
          // A ticket that is due but still valid keeps serving; the next use or sweep retries.
          if (
            leased.ticketCiphertext &&
            leased.expiresAt &&
            this.usable(leased.expiresAt.getTime()) &&
            !(error instanceof AuthorizerRevokedError)
          ) {
            this.logger.warn(
              `refreshing the ${key.ticketType} ticket of ${key.authorizerAppid} failed (${describe(error)}); serving the current one`,
            );
            const entry = this.remember(key, leased);
            entry.refreshNotBefore = this.clock.nowMs() + RETRY_FAILED_REFRESH_MS;
            return entry;
          }
          throw error;
        }
      }
      // Another instance is fetching: the current ticket serves meanwhile if it is still valid.
      if (row?.ticketCiphertext && row.expiresAt && this.usable(row.expiresAt.getTime()))
        return this.remember(key, row);
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
   */
  private async fetchUnderLease(key: TicketKey, usedAt: Date | null): Promise<CachedTicket> {
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
      const expiresInSec = Number(answer.expires_in ?? 7200);
      const now = this.clock.now();
      const expiresAt = new Date(now.getTime() + expiresInSec * 1000);
      const sealed = this.box.seal(answer.ticket);
      const version = await this.repo.save(key, owner, sealed, expiresAt, now, usedAt);
      if (version === null) {
        this.logger.warn(
          `lost the fetch lease of the ${key.ticketType} ticket of ${key.authorizerAppid}; used, not stored`,
        );
        return {
          ticket: answer.ticket,
          version: -1,
          expiresAt: expiresAt.getTime(),
          lifetimeMs: expiresInSec * 1000,
          checkedAt: 0,
          touchedAt: 0,
          refreshNotBefore: 0,
        };
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
      return entry;
    } catch (error) {
      await this.repo.releaseLease(key, owner).catch(() => undefined);
      throw error;
    }
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
      lifetimeMs: row.refreshedAt ? expiresAt - row.refreshedAt.getTime() : 7200_000,
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
    const lifetime = row.refreshedAt ? expiresAt - row.refreshedAt.getTime() : 7200_000;
    return (
      this.usable(expiresAt) &&
      !isTicketDue(this.clock.nowMs(), expiresAt, lifetime, this.options.jsapi.refreshMarginSec)
    );
  }

  private isDue(entry: CachedTicket): boolean {
    return isTicketDue(
      this.clock.nowMs(),
      entry.expiresAt,
      entry.lifetimeMs,
      this.options.jsapi.refreshMarginSec,
    );
  }

  /** A ticket is never handed out with less than minTokenRemainingSec left (the page needs time). */
  private usable(expiresAtMs: number): boolean {
    return expiresAtMs - this.options.minTokenRemainingSec * 1000 > this.clock.nowMs();
  }

  private unixSeconds(): number {
    return Math.floor(this.clock.nowMs() / 1000);
  }
}

const keyOf = (k: TicketKey): string => `${k.componentAppid}/${k.authorizerAppid}/${k.ticketType}`;

/** For logs: library errors carry no secret by design, and no token ever reaches another error's text. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
