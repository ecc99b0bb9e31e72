import { Inject, Injectable } from '@nestjs/common';
import {
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';
import {
  AuthorizerTokenListener,
  Clock,
  ComponentRegistry,
  ComponentTokenService,
  JobMonitor,
  RefreshBacklogReader,
  VerifyTicketService,
} from '@app/wechat-open';
import { OPS_DEFAULTS, OpsConfig, PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';
import { judgeComponent } from './readiness.judge.js';

/** Terminus' report, with why it is not ready and what deserves a look. */
export type ReadinessReport = HealthCheckResult & {
  /** Why not ready (empty when ready). */
  reasons: string[];
  /** Shown, not failing: a stale-ish ticket, a backlog building, LISTEN down, failed jobs. */
  warnings: string[];
};

const DB_TIMEOUT_MS = 2000;

/**
 * Readiness: the database, each component (ticket age, token, refresh backlog), the token
 * listener's LISTEN connection and the failed jobs. Failed jobs and a lost LISTEN warn only:
 * they need a person, and draining this instance would not help them.
 */
@Injectable()
export class ReadinessService {
  private readonly thresholds: OpsConfig;

  constructor(
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly registry: ComponentRegistry,
    private readonly tickets: VerifyTicketService,
    private readonly tokens: ComponentTokenService,
    private readonly backlog: RefreshBacklogReader,
    private readonly jobs: JobMonitor,
    private readonly listener: AuthorizerTokenListener,
    private readonly clock: Clock,
  ) {
    this.thresholds = { ...OPS_DEFAULTS, ...config.ops };
  }

  async check(): Promise<ReadinessReport> {
    const warnings: string[] = [];
    let result: HealthCheckResult;
    try {
      result = await this.health.check([
        () => this.db.pingCheck('database', { timeout: DB_TIMEOUT_MS }),
        ...this.registry.appids().map((appid) => () => this.component(appid, warnings)),
        () => this.notifications(warnings),
        () => this.failedJobs(warnings),
      ]);
    } catch (error) {
      const body = readResponse(error);
      if (!body) throw error;
      result = body;
    }
    return { ...result, reasons: reasonsOf(result), warnings };
  }

  private async component(appid: string, warnings: string[]): Promise<HealthIndicatorResult> {
    const check = this.indicator.check(`component:${appid}`);
    let ticket, token, backlog;
    try {
      [ticket, token, backlog] = await Promise.all([
        this.tickets.status(appid),
        this.tokens.status(appid),
        this.backlog.backlog(appid),
      ]);
    } catch {
      // The database check says why; this one only says it could not look.
      return check.down({ state: 'fail', reasons: ['cannot read its state (database)'] });
    }
    const judged = judgeComponent(
      {
        ticketAgeSec: ticket.ageSec,
        tokenExpiresAt: token.present ? token.expiresAt : null,
        oldestDueAt: backlog.oldestDueAt,
        refreshDue: backlog.refreshDue,
      },
      this.thresholds,
      this.clock.nowMs(),
    );
    const details = {
      state: judged.verdict,
      ticketAgeSec: ticket.ageSec,
      ticketStale: ticket.stale,
      tokenPresent: token.present,
      tokenExpiresAt: token.expiresAt?.toISOString() ?? null,
      refreshDue: backlog.refreshDue,
      oldestDueAt: backlog.oldestDueAt?.toISOString() ?? null,
      refreshFailing: backlog.refreshFailing,
      failedJobs: backlog.failedJobs,
      reasons: judged.reasons,
    };
    if (judged.verdict === 'warn') warnings.push(...judged.reasons.map((r) => `${appid}: ${r}`));
    return judged.verdict === 'fail' ? check.down(details) : check.up(details);
  }

  private notifications(warnings: string[]): HealthIndicatorResult {
    const state = this.listener.state();
    if (state === 'reconnecting')
      warnings.push('token notifications: LISTEN connection down, polling until reconnected');
    return this.indicator.check('notifications').up({ state });
  }

  private async failedJobs(warnings: string[]): Promise<HealthIndicatorResult> {
    // Unknown while the database is down: the database check already says so.
    const failed = await this.jobs.countFailed().catch(() => null);
    if (failed) warnings.push(`${failed} job(s) failed for good (see wechat_job)`);
    return this.indicator.check('jobs').up({ failed });
  }
}

/** The report Terminus attached to its 503, or null for any other error. */
function readResponse(error: unknown): HealthCheckResult | null {
  if (typeof error !== 'object' || error === null || !('getResponse' in error)) return null;
  const body = (error as { getResponse(): unknown }).getResponse();
  return typeof body === 'object' && body !== null && 'status' in body
    ? (body as HealthCheckResult)
    : null;
}

function reasonsOf(result: HealthCheckResult): string[] {
  return Object.entries(result.error ?? {}).map(([key, value]) => {
    const v = value as { reasons?: unknown; message?: unknown };
    const why = Array.isArray(v.reasons)
      ? v.reasons.join('; ')
      : typeof v.message === 'string'
        ? v.message
        : 'down';
    return `${key}: ${why}`;
  });
}
