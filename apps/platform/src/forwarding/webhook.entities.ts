import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  Unique,
} from 'typeorm';
import { TenantEntity } from '../access/access.entities.js';

/** A tenant's webhook endpoint (migrations/1796271304433-Webhooks.ts). */
@Entity('webhook_endpoint', {
  comment:
    "a tenant's webhook: where its accounts' messages and events are forwarded, and which ones",
})
@Check('webhook_endpoint_url_check', `url ~ '^https?://'`)
@Index('webhook_endpoint_tenant', ['tenantId'])
export class WebhookEndpointEntity {
  @PrimaryColumn({
    type: 'uuid',
    primaryKeyConstraintName: 'webhook_endpoint_pkey',
    comment: 'endpoint id',
  })
  id!: string;
  @Column({ name: 'tenant_id', type: 'text', comment: 'the tenant (tenant.id)' }) tenantId!: string;
  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({
    name: 'tenant_id',
    referencedColumnName: 'id',
    foreignKeyConstraintName: 'webhook_endpoint_tenant_fkey',
  })
  tenant?: TenantEntity;
  @Column({ type: 'text', comment: 'where deliveries are POSTed' }) url!: string;
  @Column({ type: 'text', nullable: true, comment: "the tenant's note" }) description!:
    string | null;
  @Column({
    name: 'msg_types',
    comment: 'lower-case MsgTypes forwarded (NULL: every one, empty: none)',
    type: 'text',
    array: true,
    nullable: true,
  })
  msgTypes!: string[] | null;
  @Column({
    comment: 'lower-case Events of MsgType event forwarded (NULL: every one, empty: none)',
    type: 'text',
    array: true,
    nullable: true,
  })
  events!: string[] | null;
  @Column({
    name: 'info_types',
    comment:
      'lower-case InfoTypes of the authorization-event URL forwarded (NULL: every one, empty: none)',
    type: 'text',
    array: true,
    nullable: true,
  })
  infoTypes!: string[] | null;
  @Column({
    name: 'authorizer_appids',
    comment: 'only these accounts (NULL: every account of the tenant)',
    type: 'text',
    array: true,
    nullable: true,
  })
  authorizerAppids!: string[] | null;
  @Column({ type: 'boolean', default: true, comment: 'false: nothing is queued for it' })
  enabled!: boolean;
  @Column({
    name: 'secret_ciphertext',
    comment: 'the HMAC signing secret, SecretBox-sealed; shown once at creation or rotation',
    type: 'text',
  })
  secretCiphertext!: string;
  @Column({
    name: 'secret_rotated_at',
    type: 'timestamptz',
    default: () => 'now()',
    comment: 'when the signing secret was last set',
  })
  secretRotatedAt!: Date;
  @Column({
    name: 'created_at',
    type: 'timestamptz',
    default: () => 'now()',
    comment: 'when the endpoint was created',
  })
  createdAt!: Date;
  @Column({
    name: 'updated_at',
    type: 'timestamptz',
    default: () => 'now()',
    comment: 'last change',
  })
  updatedAt!: Date;
}

export type DeliveryKind = 'message' | 'event';
export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'dead';

/** One forwarding of one message or event to one endpoint: queue entry and log line at once. */
@Entity('webhook_delivery', {
  comment:
    'the forwarding queue and delivery log: one row per (endpoint, message or event), retried with backoff, dead after the last attempt',
})
@Unique('webhook_delivery_dedupe', ['endpointId', 'dedupeKey'])
@Check('webhook_delivery_kind_check', `kind IN ('message', 'event')`)
@Check('webhook_delivery_status_check', `status IN ('pending', 'delivering', 'delivered', 'dead')`)
@Index('webhook_delivery_due', ['nextAttemptAt'], { where: `status = 'pending'` })
@Index('webhook_delivery_leased', ['leaseUntil'], { where: `status = 'delivering'` })
@Index('webhook_delivery_endpoint', ['endpointId', 'createdAt'])
@Index('webhook_delivery_finished', ['updatedAt'], { where: `status IN ('delivered', 'dead')` })
export class WebhookDeliveryEntity {
  @PrimaryColumn({
    type: 'uuid',
    primaryKeyConstraintName: 'webhook_delivery_pkey',
    comment: 'delivery id (sent with the webhook)',
  })
  id!: string;
  @Column({ name: 'endpoint_id', type: 'uuid', comment: 'the endpoint (webhook_endpoint.id)' })
  endpointId!: string;
  @ManyToOne(() => WebhookEndpointEntity, {
    onDelete: 'CASCADE',
    createForeignKeyConstraints: true,
  })
  @JoinColumn({
    name: 'endpoint_id',
    referencedColumnName: 'id',
    foreignKeyConstraintName: 'webhook_delivery_endpoint_fkey',
  })
  endpoint?: WebhookEndpointEntity;
  @Column({ type: 'text', comment: 'message or event' }) kind!: DeliveryKind;
  @Column({
    name: 'dedupe_key',
    comment:
      'SHA-256 of what identifies the message or event (MsgId, or sender + CreateTime + Event; the event log id): a WeChat retry enqueues once',
    type: 'text',
  })
  dedupeKey!: string;
  @Column({
    name: 'authorizer_appid',
    type: 'text',
    nullable: true,
    comment: 'the account concerned',
  })
  authorizerAppid!: string | null;
  @Column({
    name: 'msg_type',
    type: 'text',
    nullable: true,
    comment: "the message's MsgType (lower case)",
  })
  msgType!: string | null;
  @Column({
    type: 'text',
    nullable: true,
    comment: 'the Event of a MsgType event message (lower case)',
  })
  event!: string | null;
  @Column({
    name: 'info_type',
    type: 'text',
    nullable: true,
    comment: 'the InfoType of an authorization event (lower case)',
  })
  infoType!: string | null;
  @Column({
    name: 'body_ciphertext',
    comment: 'the JSON payload without its id (decrypted WeChat content), SecretBox-sealed',
    type: 'text',
  })
  bodyCiphertext!: string;
  @Column({
    type: 'text',
    default: 'pending',
    comment: 'pending, delivering (leased), delivered or dead (gave up)',
  })
  status!: DeliveryStatus;
  @Column({ type: 'integer', default: 0, comment: 'tries so far' }) attempts!: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', comment: 'not tried again before this' })
  nextAttemptAt!: Date;
  @Column({
    name: 'lease_owner',
    type: 'text',
    nullable: true,
    comment: 'instance delivering it now',
  })
  leaseOwner!: string | null;
  @Column({
    name: 'lease_until',
    type: 'timestamptz',
    nullable: true,
    comment: 'the lease ends then (a crashed instance lets go)',
  })
  leaseUntil!: Date | null;
  @Column({
    name: 'last_attempt_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the last try ended',
  })
  lastAttemptAt!: Date | null;
  @Column({
    name: 'last_http_status',
    type: 'integer',
    nullable: true,
    comment: 'HTTP status of the last answer (NULL: no answer)',
  })
  lastHttpStatus!: number | null;
  @Column({
    name: 'last_error',
    comment:
      'what went wrong last: a network error, or the status and at most 200 characters of the answer',
    type: 'text',
    nullable: true,
  })
  lastError!: string | null;
  @Column({
    name: 'delivered_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the endpoint accepted it',
  })
  deliveredAt!: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz', comment: 'when it was queued' })
  createdAt!: Date;
  @Column({
    name: 'updated_at',
    type: 'timestamptz',
    default: () => 'now()',
    comment: 'last change',
  })
  updatedAt!: Date;
}
