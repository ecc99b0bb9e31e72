import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock, CronTask } from '@app/wechat-open';
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
  private readonly task = new CronTask(JOB_NAME, () => this.runOnce(), this.logger);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(FORWARDING_CONFIG) private readonly config: ForwardingConfig,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly scheduler: SchedulerRegistry,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.platform.schedulers) return;
    this.task.start(this.scheduler, PRUNE_CRON);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop(this.scheduler);
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
}
