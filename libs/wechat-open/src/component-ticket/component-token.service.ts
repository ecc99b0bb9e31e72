import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { WechatApiClient, WechatRequest, WechatResponse } from '../client/wechat-api.client.js';
import {
  isTokenInvalid,
  WechatApiError,
  WechatUnavailableError,
} from '../client/wechat-api.errors.js';
import { CredentialLoader } from '../concurrency/credential-loader.js';
import { Clock } from '../core/clock.js';
import { ComponentRegistry } from '../core/component-registry.js';
import { SecretBox } from '../core/secret-box.js';
import { isDue, isUsable, NOMINAL_LIFETIME_SEC } from '../core/token-timing.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import {
  COMPONENT_TOKEN_LEASE_SEC,
  TICKET_REJECTED_ERRCODES,
} from './component-ticket.constants.js';
import {
  ComponentTokenUnavailableError,
  VerifyTicketMissingError,
  VerifyTicketRejectedError,
} from './component-ticket.errors.js';
import { ComponentTicketRepository, StoredComponentToken } from './component-ticket.repository.js';
import { VerifyTicketService } from './verify-ticket.service.js';
import { SECRET_BOX } from '../core/internal-tokens.js';

/** How long the in-process copy is trusted before the database is asked whether it changed. */
const MEMORY_TTL_MS = 10_000;
const LEASE_MS = COMPONENT_TOKEN_LEASE_SEC * 1000;
const WAIT_FOR_OTHER_MS = 20_000;
/**
 * After a timed-out mint, mint again this soon (plus up to the jitter, so that instances do not
 * retry in step): well inside WeChat's grace of about 5 min for the token it may have replaced.
 */
const UNKNOWN_OUTCOME_RETRY_MS = 2_000;
const UNKNOWN_OUTCOME_RETRY_JITTER_MS = 3_000;
/** Quick retries in a row; after these the ordinary schedule takes over until a mint succeeds. */
const UNKNOWN_OUTCOME_RETRY_LIMIT = 5;

interface CachedToken {
  token: string;
  version: number;
  expiresAt: number;
  /** What WeChat gave it (expires_at − refreshed_at): the margins are scaled to it. */
  lifetimeMs: number;
  checkedAt: number;
}

export interface ComponentTokenStatus {
  componentAppid: string;
  present: boolean;
  version: number;
  expiresAt: Date | null;
  refreshedAt: Date | null;
}

/** A stored token that is there to be used. */
type PresentToken = StoredComponentToken & { tokenCiphertext: string; expiresAt: Date };

/** The lifetime WeChat gave a stored token; the nominal one when the row cannot tell. */
function lifetimeMs(row: StoredComponentToken): number {
  return row.expiresAt && row.refreshedAt
    ? row.expiresAt.getTime() - row.refreshedAt.getTime()
    : NOMINAL_LIFETIME_SEC * 1000;
}

/**
 * The component_access_token: minted from the newest ticket, stored encrypted, refreshed before
 * expiry by one instance at a time (a lease row), served from memory on the hot path.
 */
@Injectable()
export class ComponentTokenService implements OnApplicationShutdown {
  private readonly logger = new Logger('ComponentTokenService');
  /** Memory, else the row, else minted under the row's lease (single-flight across instances). */
  private readonly tokens: CredentialLoader<
    string,
    StoredComponentToken,
    StoredComponentToken,
    CachedToken
  >;
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly quickRetries = new Map<string, number>();
  private readonly retries = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly repo: ComponentTicketRepository,
    private readonly tickets: VerifyTicketService,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly api: WechatApiClient,
    private readonly registry: ComponentRegistry,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {
    this.tokens = new CredentialLoader({
      id: (componentAppid: string) => componentAppid,
      now: () => this.clock.nowMs(),
      cacheTtlMs: () => MEMORY_TTL_MS,
      servable: (cached) =>
        isUsable(
          this.clock.nowMs(),
          cached.expiresAt,
          cached.lifetimeMs,
          this.options.minTokenRemainingSec,
        ),
      read: (componentAppid) => this.repo.findToken(componentAppid),
      // A usable token is served however close to its refresh: refreshIfDue (the cron) mints ahead.
      usable: (row) => this.usable(row),
      // Only rows `usable` accepted are served: present ones.
      serve: (_componentAppid, row) => this.entryOf(row as PresentToken),
      tryLease: async (componentAppid) => {
        const leased = await this.lease(componentAppid);
        return leased && { lease: leased, row: leased };
      },
      release: (componentAppid) => this.repo.releaseLease(componentAppid, this.options.instanceId),
      // A failed mint releases the lease and throws: the caller gets WeChat's typed error.
      fetch: async (componentAppid) => ({
        kind: 'fetched',
        entry: await this.mintUnderLease(componentAppid),
      }),
      unavailable: (componentAppid) => new ComponentTokenUnavailableError(componentAppid),
      waitMs: WAIT_FOR_OTHER_MS,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.allSettled([...this.retries]);
  }

  /** A valid component_access_token: from memory, else the database, else minted (single-flight). */
  async getComponentAccessToken(componentAppid: string): Promise<string> {
    return (await this.current(componentAppid)).token;
  }

  /**
   * Runs `call` with the token; if WeChat says the token is invalid (40001/40014/42001), expires
   * it only if it is still the stored one, gets the next, and retries once.
   */
  async withComponentToken<T>(
    componentAppid: string,
    call: (token: string) => Promise<T>,
  ): Promise<T> {
    const first = await this.current(componentAppid);
    try {
      return await call(first.token);
    } catch (error) {
      if (!isTokenInvalid(error)) throw error;
      this.logger.warn(
        `component token v${first.version} of ${componentAppid} rejected (${error.errcode}); refreshing`,
      );
      await this.invalidate(componentAppid, first.version);
      const second = await this.current(componentAppid);
      return call(second.token);
    }
  }

  /** POSTs to a component API with `?component_access_token=`, with the 40001 handling above. */
  async post<T extends WechatResponse = WechatResponse>(
    componentAppid: string,
    path: string,
    body: Record<string, unknown>,
    options: Pick<WechatRequest, 'issuesToken'> = {},
  ): Promise<T> {
    return this.withComponentToken(componentAppid, (token) =>
      this.api.request<T>(path, { query: { component_access_token: token }, body, ...options }),
    );
  }

  /** Forgets `version` here and in the database (if it is still the stored one). */
  async invalidate(componentAppid: string, version: number): Promise<void> {
    this.tokens.forget(componentAppid, (cached) => cached.version === version);
    await this.repo.expireVersion(componentAppid, version, this.clock.now());
  }

  /**
   * Mints a new token if there is none or the stored one is within the refresh margin (scaled to
   * its lifetime). Returns whether it did.
   */
  async refreshIfDue(componentAppid: string): Promise<boolean> {
    const row = await this.repo.findToken(componentAppid);
    if (row && !this.due(row)) return false;
    const leased = await this.lease(componentAppid);
    if (!leased) return false; // another instance (or task of this one) is on it
    if (!this.due(leased)) {
      await this.repo.releaseLease(componentAppid, this.options.instanceId);
      return false;
    }
    await this.mintUnderLease(componentAppid);
    return true;
  }

  async status(componentAppid: string): Promise<ComponentTokenStatus> {
    this.registry.config(componentAppid);
    const row = await this.repo.findToken(componentAppid);
    return {
      componentAppid,
      present: Boolean(row?.tokenCiphertext),
      version: row?.version ?? 0,
      expiresAt: row?.expiresAt ?? null,
      refreshedAt: row?.refreshedAt ?? null,
    };
  }

  private async current(componentAppid: string): Promise<CachedToken> {
    this.registry.config(componentAppid);
    return this.tokens.get(componentAppid);
  }

  private lease(componentAppid: string) {
    const now = this.clock.now();
    return this.repo.tryLeaseToken(
      componentAppid,
      this.options.instanceId,
      now,
      new Date(now.getTime() + LEASE_MS),
    );
  }

  private async mintUnderLease(componentAppid: string): Promise<CachedToken> {
    const owner = this.options.instanceId;
    try {
      const { token, expiresInSec } = await this.mint(componentAppid);
      this.quickRetries.delete(componentAppid);
      const now = this.clock.now();
      const expiresAt = new Date(now.getTime() + expiresInSec * 1000);
      const sealed = this.box.seal(token);
      const version = await this.repo.saveToken(componentAppid, owner, sealed, expiresAt, now);
      if (version === null) {
        this.logger.warn(
          `lost the minting lease for ${componentAppid}; the token is used but not stored`,
        );
        return {
          token,
          version: -1,
          expiresAt: expiresAt.getTime(),
          lifetimeMs: expiresInSec * 1000,
          checkedAt: 0,
        };
      }
      this.logger.log(
        `minted component token v${version} for ${componentAppid}, expires ${expiresAt.toISOString()}`,
      );
      const entry = this.entryOf({ tokenCiphertext: sealed, version, expiresAt, refreshedAt: now });
      this.tokens.set(componentAppid, entry);
      return entry;
    } catch (error) {
      if (error instanceof WechatUnavailableError && error.outcomeUnknown) {
        this.retrySoon(componentAppid);
      }
      await this.repo.releaseLease(componentAppid, owner);
      throw error;
    }
  }

  /**
   * api_component_token with the newest ticket. A ticket WeChat refused (61005/61006) is recorded
   * as such and never sent again: minting then fails at once until a newer ticket is pushed.
   */
  private async mint(componentAppid: string): Promise<{ token: string; expiresInSec: number }> {
    const { secret } = this.registry.config(componentAppid);
    let ticket = await this.tickets.newest(componentAppid);
    for (let attempt = 1; ; attempt++) {
      if (ticket === null) {
        await this.quietly(componentAppid, () => this.tickets.requestPush(componentAppid));
        throw new VerifyTicketMissingError(componentAppid);
      }
      if (ticket.rejectedErrcode !== null) {
        // Sent again it would only be refused again, spending quota: wait for a newer push.
        await this.quietly(componentAppid, () =>
          this.tickets.requestPushAfterRejection(componentAppid),
        );
        throw new VerifyTicketRejectedError(componentAppid, ticket.rejectedErrcode);
      }
      try {
        const answer = await this.api.request('/cgi-bin/component/api_component_token', {
          body: {
            component_appid: componentAppid,
            component_appsecret: secret,
            component_verify_ticket: ticket.value,
          },
          issuesToken: true,
        });
        const token = answer.component_access_token;
        if (typeof token !== 'string' || token === '') {
          throw new WechatUnavailableError(
            'api_component_token',
            'answer has no component_access_token',
          );
        }
        const expiresIn = Number(answer.expires_in);
        return { token, expiresInSec: expiresIn > 0 ? expiresIn : NOMINAL_LIFETIME_SEC };
      } catch (error) {
        if (!(error instanceof WechatApiError) || !TICKET_REJECTED_ERRCODES.has(error.errcode)) {
          throw error;
        }
        await this.tickets.markRejected(componentAppid, ticket, error.errcode);
        const newer = await this.tickets.newest(componentAppid);
        // Another push may have landed while the refused one was on its way: try it, once.
        if (
          attempt === 1 &&
          newer !== null &&
          newer.rejectedErrcode === null &&
          newer.value !== ticket.value
        ) {
          ticket = newer;
          continue;
        }
        await this.quietly(componentAppid, () =>
          this.tickets.requestPushAfterRejection(componentAppid),
        );
        throw error;
      }
    }
  }

  /** Asking for a push is a side effort of a failed mint: its own failure is logged, not thrown. */
  private async quietly(componentAppid: string, ask: () => Promise<boolean>): Promise<void> {
    await ask().catch((e: unknown) =>
      this.logger.warn(`api_start_push_ticket for ${componentAppid} failed: ${String(e)}`),
    );
  }

  /**
   * A timed-out api_component_token may have reached WeChat and issued a token we never saw,
   * which retires the stored one after WeChat's grace period: mint again within seconds rather
   * than at the next scheduled check.
   */
  private retrySoon(componentAppid: string): void {
    if (this.stopped || this.retryTimers.has(componentAppid)) return;
    const done = this.quickRetries.get(componentAppid) ?? 0;
    if (done >= UNKNOWN_OUTCOME_RETRY_LIMIT) {
      if (done === UNKNOWN_OUTCOME_RETRY_LIMIT) {
        this.quickRetries.set(componentAppid, done + 1);
        this.logger.warn(
          `api_component_token for ${componentAppid} timed out ${done + 1} times in a row; ` +
            'the next mint is left to the schedule',
        );
      }
      return;
    }
    this.quickRetries.set(componentAppid, done + 1);
    const delayMs = UNKNOWN_OUTCOME_RETRY_MS + Math.random() * UNKNOWN_OUTCOME_RETRY_JITTER_MS;
    this.logger.warn(
      `api_component_token for ${componentAppid} timed out: WeChat may have issued a token we ` +
        `never saw; minting again in ${(delayMs / 1000).toFixed(1)} s`,
    );
    const timer = setTimeout(() => {
      this.retryTimers.delete(componentAppid);
      const run: Promise<void> = this.refreshIfDue(componentAppid)
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger.warn(
            `second mint of the component token for ${componentAppid} failed: ${String(error)}`,
          ),
        )
        .finally(() => this.retries.delete(run));
      this.retries.add(run);
    }, delayMs);
    timer.unref();
    this.retryTimers.set(componentAppid, timer);
  }

  private entryOf(row: PresentToken): CachedToken {
    return {
      token: this.box.open(row.tokenCiphertext),
      version: row.version,
      expiresAt: row.expiresAt.getTime(),
      lifetimeMs: lifetimeMs(row),
      checkedAt: this.clock.nowMs(),
    };
  }

  /** Present, and not so close to expiry that it could expire on the way to WeChat. */
  private usable(row: StoredComponentToken): row is PresentToken {
    return (
      row.tokenCiphertext !== null &&
      row.expiresAt !== null &&
      isUsable(
        this.clock.nowMs(),
        row.expiresAt.getTime(),
        lifetimeMs(row),
        this.options.minTokenRemainingSec,
      )
    );
  }

  /** Absent, or within the refresh margin. */
  private due(row: StoredComponentToken): boolean {
    return (
      row.tokenCiphertext === null ||
      row.expiresAt === null ||
      isDue(
        this.clock.nowMs(),
        row.expiresAt.getTime(),
        lifetimeMs(row),
        this.options.componentTokenRefreshMarginSec,
      )
    );
  }
}
