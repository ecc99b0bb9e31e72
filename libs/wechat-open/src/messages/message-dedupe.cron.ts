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
import { CronTask } from '../core/cron-task.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { MessageDedupeRepository } from './message-dedupe.repository.js';

/** Claims deleted per statement: one run never holds a long lock. */
const PRUNE_BATCH = 5000;

/**
 * Prunes deduplication claims older than messages.dedupeRetentionSec (WeChat's retries come
 * within seconds). Any instance may run it at the same time as another: the DELETEs just share
 * the work.
 */
@Injectable()
export class MessageDedupeCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MessageDedupeCron');
  private readonly task = new CronTask(
    'wechat-open:message-dedupe-prune',
    () => this.runOnce(),
    this.logger,
  );

  constructor(
    private readonly dedupe: MessageDedupeRepository,
    private readonly clock: Clock,
    // The host's (ScheduleModule.forRoot()); the core module says clearly when it is missing.
    @Optional()
    @Inject(SchedulerRegistry)
    private readonly scheduler: SchedulerRegistry | undefined,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.schedulers) {
      this.task.start(this.scheduler, this.options.messages.dedupePruneCron);
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop(this.scheduler);
  }

  /** Deletes every claim past the retention; returns how many. */
  async runOnce(): Promise<number> {
    const before = new Date(this.clock.nowMs() - this.options.messages.dedupeRetentionSec * 1000);
    let total = 0;
    for (;;) {
      const deleted = await this.dedupe.pruneOlderThan(before, PRUNE_BATCH);
      total += deleted;
      if (deleted < PRUNE_BATCH) break;
    }
    if (total > 0) this.logger.log(`pruned ${total} message deduplication claim(s)`);
    return total;
  }
}
