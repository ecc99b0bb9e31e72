import { Injectable } from '@nestjs/common';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { DataSource } from 'typeorm';
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

  async retryLater(id: string, owner: string, at: Date, error: string): Promise<void> {
    await this.jobs.update(
      { id, leaseOwner: owner },
      { nextAttemptAt: at, leaseOwner: null, leaseUntil: null, lastError: error },
    );
  }
}
