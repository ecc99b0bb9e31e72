import { Inject, Injectable } from '@nestjs/common';
import { Clock, SecretBox } from '@app/wechat-open';
import { DeliveryWorker } from './delivery-worker.js';
import { FORWARDING_SECRET_BOX } from './forwarding.providers.js';
import { WebhookDeliveryRepository } from './webhook-delivery.repository.js';
import type { Forwardable } from './webhook-payload.js';

/**
 * Puts messages and events in the forwarding queue: the content sealed once, one delivery per
 * matching endpoint in one statement, idempotent per (endpoint, message). Runs before WeChat gets
 * its answer, so it is one seal and one INSERT.
 */
@Injectable()
export class ForwardingQueue {
  constructor(
    @Inject(FORWARDING_SECRET_BOX) private readonly box: SecretBox,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly worker: DeliveryWorker,
    private readonly clock: Clock,
  ) {}

  /** Queues the deliveries; returns how many were new. Null input (no tenant): nothing. */
  async enqueue(item: Forwardable | null): Promise<number> {
    if (item === null) return 0;
    const queued = await this.deliveries.fanOut({
      tenantId: item.tenantId,
      kind: item.kind,
      dedupeKey: item.dedupeKey,
      authorizerAppid: item.authorizerAppid,
      msgType: item.msgType,
      event: item.event,
      infoType: item.infoType,
      bodyCiphertext: this.box.seal(JSON.stringify(item.content)),
      now: this.clock.now(),
    });
    if (queued > 0) this.worker.wake();
    return queued;
  }
}
