import { Injectable } from '@nestjs/common';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { DataSource, LessThan } from 'typeorm';
import { returnedRows } from '../core/sql.js';
import { JobEntity } from './job.entity.js';

export interface JobRow {
  id: string;
  kind: string;
  componentAppid: string;
  dedupeKey: string;
  payloadCiphertext: string;
  attempts: number;
}

/** A job as an operator may see it: never its payload. */
export interface JobSummary {
  id: string;
  kind: string;
  componentAppid: string;
  status: 'pending' | 'done' | 'failed';
  attempts: number;
  /** Why the last try failed (never a secret); null once done, or before any failure. */
  lastError: string | null;
  createdAt: Date;
  nextAttemptAt: Date;
  /** When it was done or failed for good; null while pending. */
  finishedAt: Date | null;
}

/** A page of jobs, newest first: `beforeId` is the last id of the previous page. */
export interface JobPageQuery {
  status?: 'pending' | 'done' | 'failed';
  limit: number;
  beforeId?: string;
}

/** What asking for a failed job to run again did. */
export type JobRetryResult =
  | { outcome: 'retried'; job: JobSummary }
  | { outcome: 'not_failed'; job: JobSummary }
  | { outcome: 'not_found' };

/** A job id as a URL may carry it: a positive bigint, written plainly (anything else: no job). */
const JOB_ID = /^[1-9][0-9]{0,17}$/;

const SUMMARY_COLUMNS = {
  id: true,
  kind: true,
  componentAppid: true,
  status: true,
  attempts: true,
  lastError: true,
  createdAt: true,
  nextAttemptAt: true,
  finishedAt: true,
} as const;

const toSummary = (r: JobEntity): JobSummary => ({
  id: String(r.id),
  kind: r.kind,
  componentAppid: r.componentAppid,
  status: r.status,
  attempts: Number(r.attempts),
  lastError: r.lastError ?? null,
  createdAt: r.createdAt,
  nextAttemptAt: r.nextAttemptAt,
  finishedAt: r.finishedAt ?? null,
});

export interface NewJob {
  kind: string;
  componentAppid: string;
  dedupeKey: string;
  payloadCiphertext: string;
  runAt: Date;
}

/** The durable queue of follow-up work (wechat_job). */
@Injectable()
export class JobRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  private get jobs() {
    return this.db.getRepository(JobEntity);
  }

  /** Stores the job unless one with the same dedupe key exists; returns whether it was new. */
  async enqueue(job: NewJob): Promise<boolean> {
    // Raw SQL: ON CONFLICT on the dedupe key alone (TypeORM's orIgnore cannot name a key).
    const rows = await this.db.query<unknown[]>(
      `INSERT INTO wechat_job (kind, component_appid, dedupe_key, payload_ciphertext, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [job.kind, job.componentAppid, job.dedupeKey, job.payloadCiphertext, job.runAt],
    );
    return rows.length === 1;
  }

  /**
   * Claims up to `limit` due jobs for `owner` until `leaseUntil`. SKIP LOCKED lets any number of
   * instances claim side by side; a lease that runs out (its instance died) makes a job due again.
   */
  async claimDue(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<JobRow[]> {
    // Raw SQL: FOR UPDATE SKIP LOCKED in a subquery that picks the due jobs, then leases them.
    const rows = await this.db.query<unknown>(
      `UPDATE wechat_job j
          SET lease_owner = $1, lease_until = $3, attempts = j.attempts + 1
        WHERE j.id IN (
          SELECT id FROM wechat_job
           WHERE status = 'pending' AND next_attempt_at <= $2
             AND (lease_until IS NULL OR lease_until < $2)
           ORDER BY next_attempt_at
           LIMIT $4
           FOR UPDATE SKIP LOCKED)
        RETURNING j.id, j.kind, j.component_appid, j.dedupe_key, j.payload_ciphertext, j.attempts`,
      [owner, now, leaseUntil, limit],
    );
    return returnedRows(rows).map((r) => ({
      id: String(r.id),
      kind: String(r.kind),
      componentAppid: String(r.component_appid),
      dedupeKey: String(r.dedupe_key),
      payloadCiphertext: String(r.payload_ciphertext),
      attempts: Number(r.attempts),
    }));
  }

  async markDone(id: string, owner: string, now: Date): Promise<void> {
    await this.jobs.update(
      { id, leaseOwner: owner },
      { status: 'done', finishedAt: now, leaseOwner: null, leaseUntil: null, lastError: null },
    );
  }

  /** Returns false when the lease was lost (another instance owns the job now). */
  async markFailed(id: string, owner: string, now: Date, error: string): Promise<boolean> {
    const result = await this.jobs.update(
      { id, leaseOwner: owner },
      { status: 'failed', finishedAt: now, leaseOwner: null, leaseUntil: null, lastError: error },
    );
    return result.affected === 1;
  }

  /** Jobs that failed for good (a partial index keeps this cheap however many are done). */
  countFailed(): Promise<number> {
    return this.jobs.countBy({ status: 'failed' });
  }

  /** Jobs newest first (by id), without their payloads. */
  async page(query: JobPageQuery): Promise<JobSummary[]> {
    if (query.beforeId !== undefined && !JOB_ID.test(query.beforeId)) return [];
    const rows = await this.jobs.find({
      select: SUMMARY_COLUMNS,
      where: {
        ...(query.status ? { status: query.status } : {}),
        ...(query.beforeId !== undefined ? { id: LessThan(query.beforeId) } : {}),
      },
      order: { id: 'DESC' },
      take: query.limit,
    });
    return rows.map(toSummary);
  }

  /**
   * Puts a failed job back in the queue, due at `now`, its attempts kept (so one more failure
   * may end it again at once once it has used them all). Only a failed job: a pending one is
   * queued already, a done one must not run twice.
   */
  async retryFailed(id: string, now: Date): Promise<JobRetryResult> {
    if (!JOB_ID.test(id)) return { outcome: 'not_found' };
    // UPDATE ... RETURNING: the job as this statement left it, before any instance claims it.
    const updated = await this.jobs
      .createQueryBuilder()
      .update()
      .set({
        status: 'pending',
        nextAttemptAt: now,
        finishedAt: null,
        leaseOwner: null,
        leaseUntil: null,
      })
      .where('id = :id AND status = :failed', { id, failed: 'failed' })
      .returning([
        // Property names: TypeORM returns their columns (the raw rows are keyed by column).
        'id',
        'kind',
        'componentAppid',
        'attempts',
        'lastError',
        'createdAt',
        'nextAttemptAt',
      ])
      .execute();
    const [raw] = returnedRows(updated.raw);
    if (raw) {
      return {
        outcome: 'retried',
        job: {
          id: String(raw.id),
          kind: String(raw.kind),
          componentAppid: String(raw.component_appid),
          status: 'pending',
          attempts: Number(raw.attempts),
          lastError: typeof raw.last_error === 'string' ? raw.last_error : null,
          createdAt: new Date(raw.created_at as string | Date),
          nextAttemptAt: new Date(raw.next_attempt_at as string | Date),
          finishedAt: null,
        },
      };
    }
    const row = await this.jobs.findOne({ select: SUMMARY_COLUMNS, where: { id } });
    return row ? { outcome: 'not_failed', job: toSummary(row) } : { outcome: 'not_found' };
  }

  async retryLater(id: string, owner: string, at: Date, error: string): Promise<void> {
    await this.jobs.update(
      { id, leaseOwner: owner },
      { nextAttemptAt: at, leaseOwner: null, leaseUntil: null, lastError: error },
    );
  }
}
