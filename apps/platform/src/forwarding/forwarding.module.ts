import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveryRetention } from './delivery-retention.js';
import { DeliveryWorker } from './delivery-worker.js';
import { ForwardingQueue } from './forwarding-queue.service.js';
import { ForwardingHandlers } from './forwarding.handlers.js';
import { forwardingProviders } from './forwarding.providers.js';
import { WebhookDeliveryRepository } from './webhook-delivery.repository.js';
import { WebhookEndpointRepository } from './webhook-endpoint.repository.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from './webhook.entities.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/**
 * Forwarding to tenants: webhook endpoints configured through the admin API, the critical
 * handlers that queue every message and event of a tenant's accounts before WeChat is answered,
 * the worker that signs and sends them with retries, and the prune of finished deliveries. Needs WechatOpenModule, AccessModule and
 * the platform configuration (all global in the platform).
 */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpointEntity, WebhookDeliveryEntity])],
  controllers: [WebhooksController],
  providers: [
    ...forwardingProviders,
    WebhookEndpointRepository,
    WebhookDeliveryRepository,
    WebhookSender,
    DeliveryWorker,
    DeliveryRetention,
    ForwardingQueue,
    ForwardingHandlers,
    WebhooksService,
  ],
  exports: [ForwardingQueue],
})
export class ForwardingModule {}
