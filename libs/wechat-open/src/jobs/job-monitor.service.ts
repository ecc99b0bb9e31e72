import { Inject, Injectable } from '@nestjs/common';
import { JobQueue } from './job-queue.service.js';
import { JOB_QUEUE } from '../core/internal-tokens.js';

/**
 * What a host may know of the library's durable job queue, for health checks and metrics. The
 * queue itself (enqueue, handlers, draining) stays inside the library.
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
}
