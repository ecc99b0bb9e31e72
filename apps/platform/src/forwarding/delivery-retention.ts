import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { Clock } from '@app/wechat-open';
import type { ForwardingConfig, PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';
import { FORWARDING_CONFIG } from './forwarding.providers.js';
import { WebhookDeliveryRepository } from './webhook-delivery.repository.js';

const JOB_NAME = 'forwarding:delivery-prune';
/** Every ten minutes. */
const PRUNE_CRON = '0 */10 * * * *';
/** Rows deleted per statement: one run never holds a long lock. */
const PRUNE_BATCH = 1000;

/**
 * Deletes delivered and dead deliveries after WEBHOOK_RETENTION_DAYS (their bodies hold decrypted
 * user content), on instances whose schedulers are on; several may run it at once.
 */
@Injectable()
export class DeliveryRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryRetention.name);
  private running?: Promise<unknown>;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(FORWARDING_CONFIG) private readonly config: ForwardingConfig,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly scheduler: SchedulerRegistry,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.platform.schedulers) return;
    this.scheduler.addCronJob(
      JOB_NAME,
      CronJob.from({ cronTime: PRUNE_CRON, onTick: () => this.tick(), start: true }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('cron', JOB_NAME)) this.scheduler.deleteCronJob(JOB_NAME);
    await this.running;
  }

  /** Deletes every finished delivery past the retention; returns how many. */
  async runOnce(): Promise<number> {
    const before = new Date(this.clock.nowMs() - this.config.retentionDays * 86_400_000);
    let total = 0;
    for (;;) {
      const deleted = await this.deliveries.pruneFinished(before, PRUNE_BATCH);
      total += deleted;
      if (deleted < PRUNE_BATCH) break;
    }
    if (total > 0) this.logger.log(`pruned ${total} finished webhook deliveries`);
    return total;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.runOnce()
      .catch((error: unknown) =>
        this.logger.error(
          `pruning webhook deliveries failed: ${error instanceof Error ? error.message : 'unknown error'}`,
        ),
      )
      .finally(() => (this.running = undefined));
  }
}
