import { Injectable } from '@nestjs/common';
import {
  ComponentEventContext,
  OnComponentEvent,
  OnWechatMessage,
  WechatMessageContext,
} from '@app/wechat-open';
import { ForwardingQueue } from './forwarding-queue.service.js';
import { eventForwardable, messageForwardable } from './webhook-payload.js';

/**
 * Receives every user message and event of authorized accounts, and every push of the
 * authorization-event URL, as critical handlers: the deliveries are queued before WeChat is
 * answered, and if queueing fails WeChat is answered with an error and retries (the library
 * deduplicates, the queue's dedupe key makes the retry queue once).
 */
@Injectable()
export class ForwardingHandlers {
  constructor(private readonly queue: ForwardingQueue) {}

  @OnWechatMessage({}, { critical: true })
  async onMessage(ctx: WechatMessageContext): Promise<void> {
    await this.queue.enqueue(messageForwardable(ctx));
  }

  @OnComponentEvent({}, { critical: true })
  async onComponentEvent(ctx: ComponentEventContext): Promise<void> {
    await this.queue.enqueue(eventForwardable(ctx));
  }
}
