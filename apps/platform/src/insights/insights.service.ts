import { Injectable } from '@nestjs/common';
import { Clock, JobMonitor, redactFields, XmlFields } from '@app/wechat-open';
import type { Principal } from '../access/principal.js';
import { maySeeTenant } from '../access/principal.js';
import { ApiError, notFound } from '../common/api-error.js';
import { AUTHORIZER_STATUSES } from '../dashboard/dashboard.dto.js';
import {
  InsightsDto,
  JobDto,
  JobPageDto,
  JobStatus,
  PushDto,
  PushPageDto,
  TOKEN_EXPIRY_BUCKETS,
} from './insights.dto.js';
import { InsightsRepository, StoredPushRow, TenantScope } from './insights.repository.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const DEFAULT_HOURS = 24;
export const DEFAULT_PAGE = 50;
/** Upper bounds (seconds left) of the token expiry buckets after `expired`, in order. */
const EXPIRY_BOUNDS_SEC = [300, 900, 1800, 3600, 7200] as const;

/**
 * The whose-numbers rule of the admin API: an operator sees every tenant (or the one it names),
 * a tenant key its own; naming a tenant the caller may not see is a 404, as if it did not exist.
 */
export function tenantScope(principal: Principal, tenantId: string | undefined): TenantScope {
  if (tenantId !== undefined && !maySeeTenant(principal, tenantId)) throw notFound('tenant');
  return principal.kind === 'operator' ? tenantId : (principal.tenantId ?? '');
}

/** The hourly window of `hours` buckets that ends now: the first starts on a whole hour. */
export function hourWindow(now: Date, hours: number): { since: Date; until: Date } {
  const currentHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return { since: new Date(currentHour - (hours - 1) * HOUR_MS), until: now };
}

/**
 * A stored push as the console may show it: its payload was redacted when stored, and goes
 * through the same redaction again, so no ticket or code can leave even from an older row.
 */
export function pushView(row: StoredPushRow): PushDto {
  const payload =
    typeof row.payload === 'object' && row.payload !== null && !Array.isArray(row.payload)
      ? redactFields(row.payload as XmlFields)
      : {};
  return {
    id: row.id,
    componentAppid: row.componentAppid,
    infoType: row.infoType,
    authorizerAppid: row.authorizerAppid,
    createTime: row.createTime,
    receivedAt: row.receivedAt,
    disposition: row.disposition,
    note: row.note,
    payload,
  };
}

/** The web console's numbers (GET /v1/insights), pushes and jobs, read-only but for a retry. */
@Injectable()
export class InsightsService {
  constructor(
    private readonly repo: InsightsRepository,
    private readonly jobs: JobMonitor,
    private readonly clock: Clock,
  ) {}

  async insights(scope: TenantScope, hours: number): Promise<InsightsDto> {
    const { since, until } = hourWindow(this.clock.now(), hours);
    const [buckets, errcodes, expiry, statuses, deliveries] = await Promise.all([
      this.repo.refreshBuckets(scope, since, until),
      this.repo.refreshErrcodes(scope, since, until),
      this.repo.tokenExpiry(scope, until, EXPIRY_BOUNDS_SEC),
      this.repo.accountsByStatus(scope),
      this.repo.deliveryTally(scope, since),
    ]);
    const refreshes = Array.from({ length: hours }, (_, i) => ({
      at: new Date(since.getTime() + i * HOUR_MS),
      ok: 0,
      failed: 0,
    }));
    for (const b of buckets) {
      // A row written a moment after `until` was read lands in the last bucket.
      const slot = refreshes[Math.min(Math.max(b.bucket, 0), hours - 1)];
      slot.ok += b.ok;
      slot.failed += b.failed;
    }
    const known = AUTHORIZER_STATUSES.map((status) => ({
      status,
      count: statuses.find((s) => s.status === status)?.count ?? 0,
    }));
    const others = statuses.filter((s) => !known.some((k) => k.status === s.status));
    const byStatus = [...known, ...others];
    return {
      since,
      until,
      bucketSeconds: HOUR_MS / 1000,
      refreshes,
      errcodes,
      tokenExpiry: TOKEN_EXPIRY_BUCKETS.map((bucket, i) => ({ bucket, count: expiry[i] ?? 0 })),
      accounts: { total: byStatus.reduce((sum, s) => sum + s.count, 0), byStatus },
      deliveries,
    };
  }

  async pushes(
    scope: TenantScope,
    query: { limit?: number; cursor?: string; infoType?: string; componentAppid?: string },
  ): Promise<PushPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const dayAgo = new Date(this.clock.now().getTime() - DAY_MS);
    const [rows, infoTypes, messageTypes] = await Promise.all([
      this.repo.pushes({
        tenantId: scope,
        componentAppid: query.componentAppid,
        infoType: query.infoType,
        beforeId: query.cursor,
        limit: limit + 1,
      }),
      this.repo.pushCounts(scope, dayAgo, query.componentAppid),
      this.repo.messageCounts(scope, dayAgo, query.componentAppid),
    ]);
    const items = rows.slice(0, limit).map(pushView);
    return {
      items,
      nextCursor: rows.length > limit ? items[items.length - 1].id : null,
      infoTypes,
      messageTypes,
    };
  }

  async jobPage(query: {
    status?: JobStatus;
    limit?: number;
    cursor?: string;
  }): Promise<JobPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const rows = await this.jobs.list({
      status: query.status,
      limit: limit + 1,
      beforeId: query.cursor,
    });
    const items: JobDto[] = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  /** Runs a failed job again (due now, attempts kept): 404 unknown, 409 JOB_NOT_FAILED. */
  async retryJob(jobId: string): Promise<JobDto> {
    const result = await this.jobs.retry(jobId);
    if (result.outcome === 'not_found') throw notFound('job');
    if (result.outcome === 'not_failed') {
      throw new ApiError(
        409,
        'JOB_NOT_FAILED',
        `job ${jobId} is ${result.job.status}: only a failed job can be retried`,
      );
    }
    return result.job;
  }
}
