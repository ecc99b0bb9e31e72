import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock, SecretBox } from '@app/wechat-open';
import { TenantsService } from '../access/tenants.service.js';
import { ApiError, notFound } from '../common/api-error.js';
import type { ForwardingConfig } from '../config/platform-config.js';
import { DeliveryWorker } from './delivery-worker.js';
import { FORWARDING_CONFIG, FORWARDING_SECRET_BOX } from './forwarding.providers.js';
import { WebhookDeliveryRepository } from './webhook-delivery.repository.js';
import { EndpointChange, WebhookEndpointRepository } from './webhook-endpoint.repository.js';
import { generateWebhookSecret } from './webhook-signature.js';
import { webhookUrlProblem } from './webhook-url.js';
import type {
  CreateWebhookDto,
  DeliveryDto,
  DeliveryPageDto,
  DeliveryQueryDto,
  UpdateWebhookDto,
  WebhookDto,
  WebhookWithSecretDto,
} from './webhook.dto.js';
import type { WebhookDeliveryEntity, WebhookEndpointEntity } from './webhook.entities.js';

/**
 * A tenant's webhook endpoints and their delivery log, for the admin API. Every method takes the
 * tenant the caller may see; an endpoint or delivery of another tenant is not found.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly tenants: TenantsService,
    private readonly worker: DeliveryWorker,
    private readonly clock: Clock,
    @Inject(FORWARDING_SECRET_BOX) private readonly box: SecretBox,
    @Inject(FORWARDING_CONFIG) private readonly config: ForwardingConfig,
  ) {}

  /** Creates an endpoint with a new signing secret, returned this once. */
  async create(tenantId: string, input: CreateWebhookDto): Promise<WebhookWithSecretDto> {
    if (!(await this.tenants.find(tenantId))) throw notFound('tenant');
    this.checkUrl(input.url);
    const secret = generateWebhookSecret();
    const created = await this.endpoints.insert({
      id: randomUUID(),
      tenantId,
      url: input.url,
      description: input.description ?? null,
      msgTypes: input.msgTypes ?? null,
      events: input.events ?? null,
      infoTypes: input.infoTypes ?? null,
      authorizerAppids: input.authorizerAppids ?? null,
      enabled: input.enabled ?? true,
      secretCiphertext: this.box.seal(secret),
    });
    return { secret, webhook: webhookView(created) };
  }

  async list(tenantId: string): Promise<WebhookDto[]> {
    return (await this.endpoints.list(tenantId)).map(webhookView);
  }

  async get(tenantId: string, id: string): Promise<WebhookDto> {
    return webhookView(await this.endpoint(tenantId, id));
  }

  async update(tenantId: string, id: string, input: UpdateWebhookDto): Promise<WebhookDto> {
    if (input.url !== undefined) this.checkUrl(input.url);
    const change: EndpointChange = {};
    if (input.url !== undefined) change.url = input.url;
    if (input.description !== undefined) change.description = input.description;
    if (input.msgTypes !== undefined) change.msgTypes = input.msgTypes;
    if (input.events !== undefined) change.events = input.events;
    if (input.infoTypes !== undefined) change.infoTypes = input.infoTypes;
    if (input.authorizerAppids !== undefined) change.authorizerAppids = input.authorizerAppids;
    if (input.enabled !== undefined) change.enabled = input.enabled;
    if (Object.keys(change).length === 0) return this.get(tenantId, id);
    const updated = await this.endpoints.update(tenantId, id, change);
    if (!updated) throw notFound('webhook');
    if (change.enabled === true) this.worker.wake();
    return webhookView(updated);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.endpoints.delete(tenantId, id))) throw notFound('webhook');
  }

  /** Replaces the signing secret (deliveries not yet sent are signed with the new one). */
  async rotateSecret(tenantId: string, id: string): Promise<WebhookWithSecretDto> {
    const secret = generateWebhookSecret();
    if (!(await this.endpoints.replaceSecret(tenantId, id, this.box.seal(secret)))) {
      throw notFound('webhook');
    }
    return { secret, webhook: await this.get(tenantId, id) };
  }

  async deliveryPage(
    tenantId: string,
    id: string,
    query: DeliveryQueryDto,
  ): Promise<DeliveryPageDto> {
    await this.endpoint(tenantId, id);
    const limit = query.limit ?? 50;
    const rows = await this.deliveries.page({
      endpointId: id,
      statuses: query.status,
      limit: limit + 1,
      before: query.cursor !== undefined ? decodeCursor(query.cursor) : undefined,
    });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(deliveryView),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }

  /** Sends a delivered or dead delivery again, from its first attempt. */
  async redeliver(tenantId: string, id: string, deliveryId: string): Promise<DeliveryDto> {
    await this.endpoint(tenantId, id);
    const requeued = await this.deliveries.requeue(id, deliveryId, this.clock.now());
    const delivery = await this.deliveries.find(id, deliveryId);
    if (!delivery) throw notFound('delivery');
    if (!requeued) {
      throw new ApiError(
        409,
        'DELIVERY_NOT_FINISHED',
        `delivery is ${delivery.status}: only a delivered or dead one can be sent again`,
      );
    }
    this.worker.wake();
    return deliveryView(delivery);
  }

  private async endpoint(tenantId: string, id: string): Promise<WebhookEndpointEntity> {
    const endpoint = await this.endpoints.find(tenantId, id);
    if (!endpoint) throw notFound('webhook');
    return endpoint;
  }

  private checkUrl(url: string): void {
    const problem = webhookUrlProblem(url, this.config.allowPrivateNetworks);
    if (problem) throw new ApiError(400, 'WEBHOOK_URL_REFUSED', problem);
  }
}

/** What the API shows of an endpoint: everything but its secret. */
function webhookView(e: WebhookEndpointEntity): WebhookDto {
  return {
    id: e.id,
    tenantId: e.tenantId,
    url: e.url,
    description: e.description,
    msgTypes: e.msgTypes,
    events: e.events,
    infoTypes: e.infoTypes,
    authorizerAppids: e.authorizerAppids,
    enabled: e.enabled,
    secretRotatedAt: e.secretRotatedAt,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

/** What the API shows of a delivery: its metadata and outcome, never its (sealed) body. */
function deliveryView(d: WebhookDeliveryEntity): DeliveryDto {
  return {
    id: d.id,
    webhookId: d.endpointId,
    type: d.kind,
    authorizerAppid: d.authorizerAppid,
    msgType: d.msgType,
    event: d.event,
    infoType: d.infoType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
    lastAttemptAt: d.lastAttemptAt,
    lastHttpStatus: d.lastHttpStatus,
    lastError: d.lastError,
    deliveredAt: d.deliveredAt,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

function encodeCursor(d: WebhookDeliveryEntity): string {
  return Buffer.from(`${d.createdAt.getTime()}.${d.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const match = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ApiError(400, 'INVALID_CURSOR', 'cursor is not one this API gave');
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}
