import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../core/clock.js';
import { SchedulerMissingError } from '../core/cron-task.js';
import { SecretBox } from '../core/secret-box.js';
import { WechatOpenEvents } from '../core/wechat-open.events.js';
import { WechatOpenError } from '../errors/wechat-open.error.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import {
  JobPageQuery,
  JobRepository,
  JobRetryResult,
  JobRow,
  JobSummary,
} from './job.repository.js';
import { SECRET_BOX } from '../core/internal-tokens.js';

export interface JobContext {
  componentAppid: string;
  attempts: number;
}

export type JobHandler = (payload: unknown, context: JobContext) => Promise<void>;

/** Thrown by a handler when retrying cannot help (the job is marked failed at once). */
export class PermanentJobError extends WechatOpenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('JOB_PERMANENT_FAILURE', message, {}, options);
  }
}

const POLL_MS = 2000;
const LEASE_MS = 60_000;
const BATCH = 10;
const MAX_ATTEMPTS = 20;
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Durable follow-up work: a job is stored (payload encrypted) before WeChat gets its answer, then
 * run right away and retried with backoff until done, by whichever instance claims it, across
 * restarts.
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JobQueue');
  private readonly handlers = new Map<string, JobHandler>();
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly jobs: JobRepository,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    private readonly clock: Clock,
    // The host's (ScheduleModule.forRoot()); the core module says clearly when it is missing.
    @Optional()
    @Inject(SchedulerRegistry)
    private readonly scheduler: SchedulerRegistry | undefined,
    private readonly events: WechatOpenEvents,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  register(kind: string, handler: JobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`a handler for job ${kind} is already registered`);
    this.handlers.set(kind, handler);
  }

  /** Whether a handler is registered for `kind` (metrics label only these: a closed set). */
  handles(kind: string): boolean {
    return this.handlers.has(kind);
  }

  /** How many jobs have failed for good, in every instance (their rows keep the last error). */
  countFailed(): Promise<number> {
    return this.jobs.countFailed();
  }

  /** Jobs newest first, without their payloads (the admin API's list). */
  list(query: JobPageQuery): Promise<JobSummary[]> {
    return this.jobs.page(query);
  }

  /** Puts a failed job back in the queue, due now (attempts kept), and starts the queue. */
  async retry(id: string): Promise<JobRetryResult> {
    const result = await this.jobs.retryFailed(id, this.clock.now());
    if (result.outcome === 'retried') {
      this.logger.log(`job ${result.job.kind} #${id} put back in the queue by an operator`);
      this.kick();
    }
    return result;
  }

  /** Stores a job (once per dedupe key) and starts it soon. Returns whether it was new. */
  async enqueue(
    kind: string,
    componentAppid: string,
    dedupeKey: string,
    payload: unknown,
  ): Promise<boolean> {
    const created = await this.jobs.enqueue({
      kind,
      componentAppid,
      dedupeKey: `${kind}:${dedupeKey}`,
      payloadCiphertext: this.box.seal(JSON.stringify(payload)),
      runAt: this.clock.now(),
    });
    if (created) this.kick();
    return created;
  }

  /** Runs due jobs now, in the background. */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((error: unknown) => this.logger.error(`job queue drain failed: ${String(error)}`))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Runs every due job until none is left; resolves when the queue is idle (used by tests). */
  async drain(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const batch = await this.jobs.claimDue(
        this.options.instanceId,
        now,
        new Date(now.getTime() + LEASE_MS),
        BATCH,
      );
      if (batch.length === 0) return;
      await Promise.all(batch.map((job) => this.run(job)));
    }
  }

  onApplicationBootstrap(): void {
    if (!this.options.schedulers) return;
    if (!this.scheduler) throw new SchedulerMissingError();
    this.scheduler.addInterval(
      'wechat-open:jobs',
      setInterval(() => this.kick(), POLL_MS),
    );
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.scheduler?.doesExist('interval', 'wechat-open:jobs')) {
      this.scheduler.deleteInterval('wechat-open:jobs');
    }
    await this.draining;
  }

  private async run(job: JobRow): Promise<void> {
    const owner = this.options.instanceId;
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new PermanentJobError(`no handler for job kind ${job.kind}`);
      const payload: unknown = JSON.parse(this.box.open(job.payloadCiphertext));
      await handler(payload, { componentAppid: job.componentAppid, attempts: job.attempts });
      await this.jobs.markDone(job.id, owner, this.clock.now());
    } catch (error) {
      const reason = describe(error);
      if (error instanceof PermanentJobError || job.attempts >= MAX_ATTEMPTS) {
        this.logger.error(
          `job ${job.kind} #${job.id} failed for good after ${job.attempts} attempt(s): ${reason}`,
        );
        if (await this.jobs.markFailed(job.id, owner, this.clock.now(), reason)) {
          this.events.emit('job_failed', {
            jobId: job.id,
            kind: job.kind,
            componentAppid: job.componentAppid,
            attempts: job.attempts,
            reason,
          });
        }
        return;
      }
      const pause = Math.min(1000 * 2 ** (job.attempts - 1), MAX_BACKOFF_MS);
      this.logger.warn(
        `job ${job.kind} #${job.id} attempt ${job.attempts} failed (${reason}); retry in ${pause} ms`,
      );
      await this.jobs.retryLater(job.id, owner, new Date(this.clock.nowMs() + pause), reason);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof WechatOpenError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
