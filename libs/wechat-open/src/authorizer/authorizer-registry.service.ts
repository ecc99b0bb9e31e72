import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../core/clock.js';
import { APPLIED, EventDisposition } from '../events/event-bus.js';
import { EventLogRepository } from '../events/event-log.repository.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { diffRecords, olderPush, wholeSeconds } from './authorizer-record.js';
import { AuthorizerTokenStore } from './authorizer-token.store.js';
import { checkSearch, encodeCursor } from './authorizer-search.js';
import { AuthorizerNotFoundError, InvalidQueryError } from './authorizer.errors.js';
import { AuthorizerEvents } from './authorizer.events.js';
import { AuthorizerRepository, HistoryEntry } from './authorizer.repository.js';
import {
  AuthorizationEventView,
  AuthorizerPage,
  AuthorizerRecord,
  AuthorizerSearch,
  AuthorizerTokenHealth,
  ChangeCause,
  RefreshLogView,
  TenantBinding,
} from './authorizer.types.js';

/** The pushes that change an account's authorization (what authorizationEvents lists). */
const AUTHORIZATION_INFO_TYPES: AuthorizationEventView['infoType'][] = [
  'authorized',
  'updateauthorized',
  'unauthorized',
];
/** Most rows a log read returns at once. */
const MAX_LOG_LIMIT = 1000;
import { decideTenant, TenantDecision } from './tenant-policy.js';

/**
 * The registry of authorized accounts: reads, status changes (revoked, needs re-authorization)
 * in the order WeChat made them, tenant bindings, and the history every change appends to.
 */
@Injectable()
export class AuthorizerRegistryService {
  private readonly logger = new Logger('AuthorizerRegistryService');

  constructor(
    private readonly repo: AuthorizerRepository,
    private readonly tokens: AuthorizerTokenStore,
    private readonly events: AuthorizerEvents,
    private readonly eventLog: EventLogRepository,
    private readonly clock: Clock,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  find(componentAppid: string, authorizerAppid: string): Promise<AuthorizerRecord | null> {
    return this.repo.find(componentAppid, authorizerAppid);
  }

  async get(componentAppid: string, authorizerAppid: string): Promise<AuthorizerRecord> {
    const record = await this.repo.find(componentAppid, authorizerAppid);
    if (!record) throw new AuthorizerNotFoundError(authorizerAppid, componentAppid);
    return record;
  }

  listByTenant(tenantId: string, componentAppid?: string): Promise<AuthorizerRecord[]> {
    return this.repo.listByTenant(tenantId, componentAppid);
  }

  history(componentAppid: string, authorizerAppid: string): Promise<HistoryEntry[]> {
    return this.repo.history(componentAppid, authorizerAppid);
  }

  tokenHealth(
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<AuthorizerTokenHealth | null> {
    return this.tokens.health(componentAppid, authorizerAppid);
  }

  async search(query: AuthorizerSearch): Promise<AuthorizerPage> {
    const q = checkSearch(query);
    const { rows, total } = await this.repo.search(q);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => r.record),
      total,
      nextCursor:
        rows.length > q.limit && last ? encodeCursor(q.sort, q.order, last.position) : null,
    };
  }

  async refreshLog(
    componentAppid: string,
    authorizerAppid: string,
    limit: number,
  ): Promise<RefreshLogView[]> {
    return this.repo.refreshLog(componentAppid, authorizerAppid, checkLimit(limit));
  }

  async authorizationEvents(
    componentAppid: string,
    authorizerAppid: string,
    limit: number,
  ): Promise<AuthorizationEventView[]> {
    const rows = await this.eventLog.forAccount(
      componentAppid,
      authorizerAppid,
      AUTHORIZATION_INFO_TYPES,
      checkLimit(limit),
    );
    return rows.map((r) => ({
      id: r.id,
      infoType: r.infoType as AuthorizationEventView['infoType'],
      createTime: r.createTime,
      receivedAt: r.receivedAt,
      disposition: r.disposition,
      note: r.note,
    }));
  }

  /** When the account's last authorization state change happened, or null (unknown account). */
  lastStateChange(componentAppid: string, authorizerAppid: string): Promise<Date | null> {
    return this.repo.stateEventAt(componentAppid, authorizerAppid);
  }

  /**
   * Writes an ignored push into the account's history: the event log stores a push once, so a
   * replay that arrives after the state moved on is visible to DBAs here.
   */
  async recordIgnored(
    m: EntityManager | undefined,
    componentAppid: string,
    authorizerAppid: string,
    cause: ChangeCause,
    reason: string,
  ): Promise<void> {
    const record = await this.repo.find(componentAppid, authorizerAppid, m);
    await this.repo.appendHistory(m, {
      componentAppid,
      authorizerAppid,
      tenantId: record?.tenantId ?? null,
      action: 'push_ignored',
      changes: {},
      cause,
      actor: this.options.instanceId,
      at: this.clock.now(),
      note: reason,
    });
  }

  /**
   * Binds a known account to the tenant an authorization carries, under the tenant conflict
   * policy (the second path of a redemption: the code was redeemed by the other one).
   */
  async bindTenant(
    componentAppid: string,
    authorizerAppid: string,
    tenant: TenantBinding | null | undefined,
    cause: ChangeCause,
  ): Promise<TenantDecision & { authorizerAppid: string }> {
    return this.repo.transaction(async (m) => {
      const before = await this.repo.find(componentAppid, authorizerAppid, m);
      if (!before) throw new AuthorizerNotFoundError(authorizerAppid, componentAppid);
      const { tenantId, outcome } = decideTenant(
        before,
        tenant,
        this.options.authorizer.tenantConflictPolicy,
      );
      if (tenantId !== before.tenantId) {
        const now = this.clock.now();
        const after = { ...before, tenantId, updatedAt: now };
        await this.repo.save(m, after);
        await this.repo.appendHistory(m, {
          componentAppid,
          authorizerAppid,
          tenantId,
          action: 'tenant_bound',
          changes: diffRecords(before, after),
          cause,
          actor: this.options.instanceId,
          at: now,
        });
      }
      return { authorizerAppid, tenantId, outcome };
    });
  }

  /**
   * Marks the account revoked and erases its tokens; the record and its history stay. With
   * `eventTime` (a push), a revocation older than the account's last state change is ignored.
   */
  async revoke(
    componentAppid: string,
    authorizerAppid: string,
    cause: ChangeCause,
    eventTime?: Date,
  ): Promise<EventDisposition> {
    const result = await this.setStatus(
      componentAppid,
      authorizerAppid,
      'revoked',
      cause,
      eventTime,
    );
    if (typeof result === 'object' && result !== null && 'status' in result) {
      this.events.emit('revoked', { record: result, cause });
      return APPLIED;
    }
    return result ?? APPLIED;
  }

  /** The refresh token is lost: stop refreshing and tell the app. */
  async markNeedsReauth(
    componentAppid: string,
    authorizerAppid: string,
    cause: ChangeCause,
  ): Promise<void> {
    const result = await this.setStatus(componentAppid, authorizerAppid, 'needs_reauth', cause);
    if (result && 'status' in result) this.events.emit('needs_reauth', { record: result, cause });
  }

  /**
   * The platform lets go of the account (WeChat has no way for it to unauthorize itself): status
   * `detached`, tokens erased so refreshing stops, tenant and history kept. Announced as
   * `revoked` (record.status says `detached`), so that JS-SDK tickets and cached copies go as
   * after a revocation. A later authorization (push or landing) re-activates it. Idempotent.
   */
  async detach(
    componentAppid: string,
    authorizerAppid: string,
    cause: ChangeCause,
  ): Promise<AuthorizerRecord> {
    const now = this.clock.now();
    const { record, changed } = await this.repo.transaction(async (m) => {
      const before = await this.repo.find(componentAppid, authorizerAppid, m);
      if (!before) throw new AuthorizerNotFoundError(authorizerAppid, componentAppid);
      if (before.status === 'detached') return { record: before, changed: false };
      // A state change like a push's: an authorization push created before now cannot undo it.
      await this.repo.advanceStateEvent(
        m,
        componentAppid,
        authorizerAppid,
        wholeSeconds(now),
        false,
      );
      const after: AuthorizerRecord = { ...before, status: 'detached', updatedAt: now };
      await this.repo.save(m, after);
      await this.tokens.erase(m, componentAppid, authorizerAppid);
      await this.repo.appendHistory(m, {
        componentAppid,
        authorizerAppid,
        tenantId: before.tenantId,
        action: 'detached',
        changes: diffRecords(before, after),
        cause,
        actor: this.options.instanceId,
        at: now,
      });
      return { record: after, changed: true };
    });
    if (changed) {
      this.logger.log(`${authorizerAppid} of ${componentAppid} is now detached (${cause})`);
      this.events.emit('revoked', { record, cause });
    }
    return record;
  }

  /** The record after the change; null when nothing changed; a disposition when ignored. */
  private async setStatus(
    componentAppid: string,
    authorizerAppid: string,
    status: 'revoked' | 'needs_reauth',
    cause: ChangeCause,
    eventTime?: Date,
  ): Promise<AuthorizerRecord | EventDisposition | null> {
    const now = this.clock.now();
    return this.repo.transaction(async (m) => {
      const before = await this.repo.find(componentAppid, authorizerAppid, m);
      if (!before) {
        this.logger.warn(
          `${status} for unknown account ${authorizerAppid} of ${componentAppid}; nothing to change`,
        );
        return { outcome: 'ignored', reason: 'unknown account' } satisfies EventDisposition;
      }
      const at = eventTime ?? wholeSeconds(now);
      // A push is ordered by WeChat's CreateTime; our own findings (61003, 61023) are always current.
      const ordered = eventTime !== undefined;
      if (!(await this.repo.advanceStateEvent(m, componentAppid, authorizerAppid, at, ordered))) {
        const last = await this.repo.stateEventAt(componentAppid, authorizerAppid);
        this.logger.warn(
          `ignored ${status} of ${authorizerAppid} (${cause}): older than its last state change`,
        );
        const ignored = olderPush(at, last ?? at);
        await this.recordIgnored(m, componentAppid, authorizerAppid, cause, ignored.reason);
        return ignored;
      }
      if (before.status === status) return null;
      // A refresh that started before a detach may end in 61023: a detached account has no
      // refresh token to lose, and stays detached.
      if (before.status === 'detached' && status === 'needs_reauth') return null;
      const after: AuthorizerRecord = {
        ...before,
        status,
        updatedAt: now,
        revokedAt: status === 'revoked' ? now : before.revokedAt,
      };
      await this.repo.save(m, after);
      await this.tokens.erase(m, componentAppid, authorizerAppid, status === 'needs_reauth');
      await this.repo.appendHistory(m, {
        componentAppid,
        authorizerAppid,
        tenantId: before.tenantId,
        action: status,
        changes: diffRecords(before, after),
        cause,
        actor: this.options.instanceId,
        at: now,
      });
      this.logger.log(`${authorizerAppid} of ${componentAppid} is now ${status} (${cause})`);
      return after;
    });
  }
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LOG_LIMIT)
    throw new InvalidQueryError('limit', `an integer from 1 to ${MAX_LOG_LIMIT}`);
  return limit;
}
