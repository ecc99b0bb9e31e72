import { CallbackIpEntity } from './callback-ip/callback-ip.entity.js';
import { ApiKeyEntity, SecretAccessLogEntity, TenantEntity } from './access/access.entities.js';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from './forwarding/webhook.entities.js';
import { QuotaResetEntity } from './operator/operator.entities.js';

/** The platform's own entities (the app's tables); the library's are WECHAT_OPEN_ENTITIES. */
export const PLATFORM_ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  SecretAccessLogEntity,
  QuotaResetEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  CallbackIpEntity,
];
