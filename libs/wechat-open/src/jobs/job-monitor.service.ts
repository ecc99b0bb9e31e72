import { Inject, Injectable } from '@nestjs/common';
import { JobQueue } from './job-queue.service.js';
import type { JobPageQuery, JobRetryResult, JobSummary } from './job.repository.js';
import { JOB_QUEUE } from '../core/internal-tokens.js';

/**
 * What a host may know of the library's durable job queue, for health checks, metrics and the
 * admin API, and the one thing it may do: run a failed job again. The queue itself (enqueue,
 * handlers, draining) stays inside the library.
 */
@Injectable()
export class JobMonitor {
  constructor(@Inject(JOB_QUEUE) private readonly queue: JobQueue) {}

  /** How many jobs have failed for good, in every instance (their rows keep the last error). */
  countFailed(): Promise<number> {
    return this.queue.countFailed();
  }

  /**
   * Whether `kind` is a job kind this version of the library handles: label metrics with it
   * only then (`job_failed` may name a kind left by another version), so labels stay a closed set.
   */
  isKnownKind(kind: string): boolean {
    return this.queue.handles(kind);
  }

  /**
   * Jobs newest first (by id), optionally of one status, `limit` of them, after `beforeId` (the
   * last id of the previous page). Never a payload: it may hold codes or decrypted content.
   */
  list(query: JobPageQuery): Promise<JobSummary[]> {
    return this.queue.list(query);
  }

  /**
   * Puts a failed job back in the queue, due now, its attempts kept, and starts the queue.
   * `not_found` for an unknown id, `not_failed` (nothing changed) for a pending or done job.
   */
  retry(jobId: string): Promise<JobRetryResult> {
    return this.queue.retry(jobId);
  }
}
