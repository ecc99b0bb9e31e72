import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { Clock, SecretBox } from '@app/wechat-open';
import type { ForwardingConfig, PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { retryDelayMs } from './delivery-backoff.js';
import { FORWARDING_CONFIG, FORWARDING_SECRET_BOX } from './forwarding.providers.js';
import { ClaimedDelivery, WebhookDeliveryRepository } from './webhook-delivery.repository.js';
import { deliveryBody } from './webhook-payload.js';
import { WebhookSender } from './webhook-sender.js';
import { signWebhook } from './webhook-signature.js';

const USER_AGENT = 'wechat-open-platform-webhooks/1';

/**
 * Sends due deliveries, on instances whose schedulers are on. Several instances share the queue
 * through SKIP LOCKED claims with a lease; each keeps at most `concurrency` POSTs in flight, so a
 * slow receiver holds slots until its timeout, never the queue. Claims happen on a poll period,
 * when a send finishes, and at once when this instance enqueued something (`wake`).
 * Logs name deliveries and endpoints by id: never a body, an answer or a secret.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly owner: string;
  private running = false;
  private timer?: NodeJS.Timeout;
  private pumping?: Promise<void>;
  private pumpAgain = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(FORWARDING_CONFIG) private readonly config: ForwardingConfig,
    @Inject(FORWARDING_SECRET_BOX) private readonly box: SecretBox,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly sender: WebhookSender,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {
    this.owner = `${platform.instanceId ?? hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  onApplicationBootstrap(): void {
    if (!this.platform.schedulers) return;
    this.running = true;
    this.timer = setInterval(() => this.wake(), this.config.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  /** Stops claiming and waits for the sends in flight (each ends by its timeout at the latest). */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.pumping;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Looks for due deliveries now (an enqueue on this instance, a finished send). */
  wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.pumpAgain) {
        this.pumpAgain = false;
        this.wake();
      }
    });
  }

  /** Claims as many due deliveries as there are free slots, and starts sending them. */
  private async pump(): Promise<void> {
    try {
      while (this.running) {
        const free = this.config.concurrency - this.inFlight.size;
        if (free <= 0) return;
        const now = this.clock.now();
        const claimed = await this.deliveries.claimDue(
          this.owner,
          now,
          new Date(now.getTime() + this.leaseMs()),
          free,
        );
        for (const delivery of claimed) this.track(this.deliver(delivery));
        if (claimed.length < free) return;
      }
    } catch (error) {
      this.logger.error(`claiming webhook deliveries failed: ${describe(error)}`);
    }
  }

  private track(send: Promise<void>): void {
    this.inFlight.add(send);
    void send.finally(() => {
      this.inFlight.delete(send);
      this.wake();
    });
  }

  /** A lease outlives the send's deadline, so only a dead instance's claims are taken over. */
  private leaseMs(): number {
    return this.config.timeoutMs * 2 + 10_000;
  }

  /** One attempt; never throws (a failure to record the outcome is left to the lease). */
  private async deliver(d: ClaimedDelivery): Promise<void> {
    try {
      let secret: string;
      let content: string;
      try {
        secret = this.box.open(d.secretCiphertext);
        content = this.box.open(d.bodyCiphertext);
      } catch {
        await this.failed(d, { httpStatus: null, error: 'sealed data unreadable (data key?)' });
        return;
      }
      const body = deliveryBody(d.id, content);
      const timestamp = String(Math.floor(this.clock.nowMs() / 1000));
      const result = await this.sender.send(
        d.url,
        {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'x-wop-delivery': d.id,
          'x-wop-attempt': String(d.attempts),
          'x-wop-timestamp': timestamp,
          'x-wop-signature': signWebhook(secret, timestamp, body),
        },
        body,
      );
      if (result.ok) {
        await this.deliveries.markDelivered(d.id, this.owner, this.clock.now(), result.httpStatus!);
        this.metrics.countDelivery('delivered');
        return;
      }
      await this.failed(d, result);
    } catch (error) {
      this.logger.error(`webhook delivery ${d.id}: ${describe(error)}`);
    }
  }

  private async failed(
    d: ClaimedDelivery,
    attempt: { httpStatus: number | null; error: string | null },
  ): Promise<void> {
    const now = this.clock.now();
    const outcome = attempt.httpStatus !== null ? `HTTP ${attempt.httpStatus}` : 'no answer';
    if (d.attempts >= this.config.maxAttempts) {
      await this.deliveries.markDead(d.id, this.owner, now, attempt);
      this.metrics.countDelivery('dead');
      this.logger.warn(
        `webhook delivery ${d.id} to endpoint ${d.endpointId} is dead after ${d.attempts} attempt(s) (${outcome})`,
      );
      return;
    }
    const delay = retryDelayMs(d.attempts, this.config.backoffBaseMs, this.config.backoffMaxMs);
    await this.deliveries.markRetry(
      d.id,
      this.owner,
      now,
      new Date(now.getTime() + delay),
      attempt,
    );
    this.metrics.countDelivery('failed');
    this.logger.debug(
      `webhook delivery ${d.id} to endpoint ${d.endpointId}: attempt ${d.attempts} failed (${outcome}), retry in ${delay} ms`,
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
