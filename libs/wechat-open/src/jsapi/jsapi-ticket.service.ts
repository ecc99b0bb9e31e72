import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  AuthorizerAmbiguousError,
  AuthorizerNeedsReauthError,
  AuthorizerNotFoundError,
  AuthorizerRevokedError,
} from '../authorizer/authorizer.errors.js';
import { AuthorizerEvents } from '../authorizer/authorizer.events.js';
import { AuthorizerTokenService } from '../authorizer/authorizer-token.service.js';
import { AuthorizerLocator } from '../authorizer/authorizer.locator.js';
import { AuthorizerStatus } from '../authorizer/authorizer.types.js';
import { WechatApiClient } from '../client/wechat-api.client.js';
import {
  WechatApiError,
  WechatQuotaExhaustedError,
  WechatUnavailableError,
} from '../client/wechat-api.errors.js';
import { CredentialLoader } from '../concurrency/credential-loader.js';
import { Clock } from '../core/clock.js';
import { SecretBox } from '../core/secret-box.js';
import { isDue, isUsable, NOMINAL_LIFETIME_SEC } from '../core/token-timing.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { JsApiTicketType } from './jsapi-ticket.entity.js';
import { JsApiTicketRepository, StoredJsApiTicket, TicketKey } from './jsapi-ticket.repository.js';
import { JsApiTicketUnavailableError } from './jsapi.errors.js';
import { ticketRetryDelayMs } from './jsapi.policy.js';
import { AUTHORIZER_LOCATOR, SECRET_BOX } from '../core/internal-tokens.js';

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
 * before expiry by one instance at a time (a lease row) while in use, and served from memory.
 * getticket's quota is small: after a failed fetch nobody calls it for that ticket before the
 * planned retry (60 s doubling to 10 min, an hour after 45009); the stored ticket serves
 * meanwhile while it is valid, and after that callers are refused at once.
 */
@Injectable()
export class JsApiTicketService implements OnModuleInit {
  /** Logged as before the split, so that log filters keep working. */
  private readonly logger = new Logger('JsApiService');
  /** Memory, else the row, else fetched under the row's lease (single-flight across instances). */
  private readonly tickets: CredentialLoader<
    TicketKey,
    StoredJsApiTicket,
    StoredJsApiTicket,
    CachedTicket
  >;

  constructor(
    private readonly repo: JsApiTicketRepository,
    private readonly tokens: AuthorizerTokenService,
    @Inject(AUTHORIZER_LOCATOR) private readonly locator: AuthorizerLocator,
    private readonly events: AuthorizerEvents,
    private readonly api: WechatApiClient,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    private readonly clock: Clock,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {
    this.tickets = new CredentialLoader({
      id: keyOf,
      now: () => this.clock.nowMs(),
      cacheTtlMs: () => MEMORY_TTL_MS,
      // A due copy is served only while a failed refresh waits for its planned retry.
      servable: (cached) =>
        this.usable(cached.expiresAt, cached.lifetimeMs) &&
        (!this.isDue(cached.expiresAt, cached.lifetimeMs) ||
          this.clock.nowMs() < cached.refreshNotBefore),
      read: (key) => this.readTicket(key),
      // Never handed out too close to expiry: the page still has to call wx.config with it.
      usable: (row) =>
        row.ticketCiphertext !== null &&
        row.expiresAt !== null &&
        this.usable(row.expiresAt.getTime(), lifetimeOf(row)),
      // Unlike tokens, tickets have no schedule of their own for unused accounts: a ticket
      // within its refresh margin is refreshed on use.
      due: (row) => row.expiresAt === null || this.isDue(row.expiresAt.getTime(), lifetimeOf(row)),
      blocked: (key, row) => {
        const retryAt = row.retryAt?.getTime() ?? 0;
        return retryAt > this.clock.nowMs()
          ? { untilMs: retryAt, error: backoffError(key, row, retryAt) }
          : null;
      },
      serve: (key, row, untilMs) => this.entryOf(key, row, untilMs),
      tryLease: async (key) => {
        const leased = await this.lease(key);
        return leased && { lease: leased, row: leased };
      },
      release: (key) => this.repo.releaseLease(key, this.options.instanceId),
      fetch: async (_key, leased) => {
        const outcome = await this.fetchUnderLease(leased, this.clock.now(), 'on-demand');
        return outcome.ok
          ? { kind: 'fetched', entry: outcome.entry }
          : { kind: 'failed', error: outcome.error, retryAtMs: outcome.retryAt?.getTime() ?? null };
      },
      unavailable: (key, reason) =>
        new JsApiTicketUnavailableError(
          key.authorizerAppid,
          key.ticketType,
          reason === 'timeout' ? 'another instance is fetching it' : 'the fetch stored no ticket',
        ),
      waitMs: WAIT_FOR_OTHER_MS,
    });
  }

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
    const entry = await this.tickets.get(key);
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
      this.tickets.forget({ componentAppid, authorizerAppid, ticketType });
    }
  }

  /** The stored ticket (null: none yet), once the account is known to be able to have one. */
  private async readTicket(key: TicketKey): Promise<StoredJsApiTicket | null> {
    const { accountStatus, ticket } = await this.repo.find(key);
    await this.requireAuthorized(key, accountStatus);
    return ticket;
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
        touchedAt: usedAt ? usedAt.getTime() : (this.tickets.peek(key)?.touchedAt ?? 0),
        refreshNotBefore: 0,
      };
      this.tickets.set(key, entry);
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

  /**
   * The in-process copy of a stored, usable ticket. `untilMs`: it is due, and a failed or
   * backing-off fetch plans the next try then.
   */
  private entryOf(key: TicketKey, row: StoredJsApiTicket, untilMs = 0): CachedTicket {
    const previous = this.tickets.peek(key);
    return {
      ticket: this.box.open(row.ticketCiphertext!),
      version: row.version,
      expiresAt: row.expiresAt!.getTime(),
      lifetimeMs: lifetimeOf(row),
      checkedAt: this.clock.nowMs(),
      touchedAt: previous?.version === row.version ? previous.touchedAt : 0,
      refreshNotBefore: untilMs,
    };
  }

  /** The component the account is authorized for (AuthorizerLocator). */
  private resolveComponent(authorizerAppid: string): Promise<string> {
    return this.locator.componentOf(authorizerAppid);
  }

  private isDue(expiresAtMs: number, lifetimeMs: number): boolean {
    return isDue(this.clock.nowMs(), expiresAtMs, lifetimeMs, this.options.jsapi.refreshMarginSec);
  }

  private usable(expiresAtMs: number, lifetimeMs: number): boolean {
    return isUsable(this.clock.nowMs(), expiresAtMs, lifetimeMs, this.options.minTokenRemainingSec);
  }
}

const keyOf = (k: TicketKey): string => `${k.componentAppid}/${k.authorizerAppid}/${k.ticketType}`;

/** The life WeChat gave the stored ticket (the nominal one for rows from before refreshed_at). */
const lifetimeOf = (row: StoredJsApiTicket): number =>
  row.expiresAt && row.refreshedAt
    ? row.expiresAt.getTime() - row.refreshedAt.getTime()
    : NOMINAL_LIFETIME_MS;

/** While fetches back off and the stored ticket is no longer valid: refused without calling WeChat. */
function backoffError(key: TicketKey, row: StoredJsApiTicket, retryAtMs: number): Error {
  const retryAt = new Date(retryAtMs);
  if (row.lastErrcode === 45009)
    return new WechatQuotaExhaustedError(GETTICKET, retryAt, key.authorizerAppid);
  return new WechatUnavailableError(
    GETTICKET,
    `the ${key.ticketType} ticket of ${key.authorizerAppid} is not fetched before ${retryAt.toISOString()} ` +
      `(${row.failureCount} failed fetch(es) in a row)`,
  );
}

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
