import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { WechatApiClient, WechatResponse } from '../client/wechat-api.client.js';
import { isTokenInvalid, WechatApiError } from '../client/wechat-api.errors.js';
import { Clock } from '../core/clock.js';
import { ComponentRegistry } from '../core/component-registry.js';
import { SecretBox } from '../core/secret-box.js';
import { SingleFlight } from '../core/single-flight.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import {
  ComponentTokenUnavailableError,
  VerifyTicketMissingError,
} from './component-ticket.errors.js';
import { ComponentTicketRepository } from './component-ticket.repository.js';
import { VerifyTicketService } from './verify-ticket.service.js';

/** How long the in-process copy is trusted before the database is asked whether it changed. */
const MEMORY_TTL_MS = 10_000;
const LEASE_MS = 30_000;
const WAIT_FOR_OTHER_MS = 20_000;
const TICKET_ERRCODES = new Set([61005, 61006]);

interface CachedToken {
  token: string;
  version: number;
  expiresAt: number;
  checkedAt: number;
}

export interface ComponentTokenStatus {
  componentAppid: string;
  present: boolean;
  version: number;
  expiresAt: Date | null;
  refreshedAt: Date | null;
}

/**
 * The component_access_token: minted from the newest ticket, stored encrypted, refreshed before
 * expiry by one instance at a time (a lease row), served from memory on the hot path.
 */
@Injectable()
export class ComponentTokenService {
  private readonly logger = new Logger('ComponentTokenService');
  private readonly memory = new Map<string, CachedToken>();
  private readonly flights = new SingleFlight<CachedToken>();

  constructor(
    private readonly repo: ComponentTicketRepository,
    private readonly tickets: VerifyTicketService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly api: WechatApiClient,
    private readonly registry: ComponentRegistry,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

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
  ): Promise<T> {
    return this.withComponentToken(componentAppid, (token) =>
      this.api.request<T>(path, { query: { component_access_token: token }, body }),
    );
  }

  /** Forgets `version` here and in the database (if it is still the stored one). */
  async invalidate(componentAppid: string, version: number): Promise<void> {
    if (this.memory.get(componentAppid)?.version === version) this.memory.delete(componentAppid);
    await this.repo.expireVersion(componentAppid, version, this.clock.now());
  }

  /** Mints a new token if the stored one is within the refresh margin. Returns whether it did. */
  async refreshIfDue(componentAppid: string): Promise<boolean> {
    const row = await this.repo.findToken(componentAppid);
    if (row?.expiresAt && row.tokenCiphertext && !this.isDue(row.expiresAt.getTime())) return false;
    const leased = await this.lease(componentAppid);
    if (!leased) return false; // another instance is on it
    if (leased.expiresAt && leased.tokenCiphertext && !this.isDue(leased.expiresAt.getTime())) {
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
    const cached = this.memory.get(componentAppid);
    const now = this.clock.nowMs();
    if (
      cached &&
      cached.expiresAt - this.minRemainingMs > now &&
      now - cached.checkedAt < MEMORY_TTL_MS
    ) {
      return cached;
    }
    return this.flights.run(componentAppid, () => this.load(componentAppid));
  }

  private async load(componentAppid: string): Promise<CachedToken> {
    const deadline = this.clock.nowMs() + WAIT_FOR_OTHER_MS;
    for (;;) {
      const row = await this.repo.findToken(componentAppid);
      if (row?.tokenCiphertext && row.expiresAt && this.usable(row.expiresAt.getTime())) {
        return this.remember(componentAppid, row.tokenCiphertext, row.version, row.expiresAt);
      }
      const leased = await this.lease(componentAppid);
      if (leased) {
        if (leased.tokenCiphertext && leased.expiresAt && this.usable(leased.expiresAt.getTime())) {
          await this.repo.releaseLease(componentAppid, this.options.instanceId);
          return this.remember(
            componentAppid,
            leased.tokenCiphertext,
            leased.version,
            leased.expiresAt,
          );
        }
        return this.mintUnderLease(componentAppid);
      }
      if (this.clock.nowMs() > deadline) throw new ComponentTokenUnavailableError(componentAppid);
      await sleep(100); // another instance is minting: wait for its token rather than mint twice
    }
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
      const expiresAt = new Date(this.clock.nowMs() + expiresInSec * 1000);
      const sealed = this.box.seal(token);
      const version = await this.repo.saveToken(
        componentAppid,
        owner,
        sealed,
        expiresAt,
        this.clock.now(),
      );
      if (version === null) {
        this.logger.warn(
          `lost the minting lease for ${componentAppid}; the token is used but not stored`,
        );
        return { token, version: -1, expiresAt: expiresAt.getTime(), checkedAt: 0 };
      }
      this.logger.log(
        `minted component token v${version} for ${componentAppid}, expires ${expiresAt.toISOString()}`,
      );
      return this.remember(componentAppid, sealed, version, expiresAt);
    } catch (error) {
      await this.repo.releaseLease(componentAppid, owner);
      throw error;
    }
  }

  /** api_component_token with the newest ticket; on 61005/61006 re-reads the ticket once. */
  private async mint(componentAppid: string): Promise<{ token: string; expiresInSec: number }> {
    const { secret } = this.registry.config(componentAppid);
    let ticket = await this.tickets.current(componentAppid);
    for (let attempt = 1; ; attempt++) {
      if (ticket === null) {
        await this.requestPushQuietly(componentAppid);
        throw new VerifyTicketMissingError(componentAppid);
      }
      try {
        const answer = await this.api.request('/cgi-bin/component/api_component_token', {
          body: {
            component_appid: componentAppid,
            component_appsecret: secret,
            component_verify_ticket: ticket,
          },
        });
        return {
          token: String(answer.component_access_token),
          expiresInSec: Number(answer.expires_in ?? 7200),
        };
      } catch (error) {
        if (!(error instanceof WechatApiError) || !TICKET_ERRCODES.has(error.errcode)) throw error;
        const newer = await this.tickets.current(componentAppid);
        if (attempt > 1 || newer === ticket) {
          await this.requestPushQuietly(componentAppid);
          throw error;
        }
        ticket = newer;
      }
    }
  }

  /** Asking for a push is a side effort of a failed mint: its own failure is logged, not thrown. */
  private async requestPushQuietly(componentAppid: string): Promise<void> {
    await this.tickets
      .requestPush(componentAppid)
      .catch((e: unknown) =>
        this.logger.warn(`api_start_push_ticket for ${componentAppid} failed: ${String(e)}`),
      );
  }

  private remember(
    componentAppid: string,
    sealed: string,
    version: number,
    expiresAt: Date,
  ): CachedToken {
    const entry: CachedToken = {
      token: this.box.open(sealed),
      version,
      expiresAt: expiresAt.getTime(),
      checkedAt: this.clock.nowMs(),
    };
    this.memory.set(componentAppid, entry);
    return entry;
  }

  private usable(expiresAtMs: number): boolean {
    return expiresAtMs - this.minRemainingMs > this.clock.nowMs();
  }

  /** A token is never handed out with less than this left: it could expire on the way to WeChat. */
  private get minRemainingMs(): number {
    return this.options.minTokenRemainingSec * 1000;
  }

  private isDue(expiresAtMs: number): boolean {
    return expiresAtMs - this.options.componentTokenRefreshMarginSec * 1000 <= this.clock.nowMs();
  }
}
