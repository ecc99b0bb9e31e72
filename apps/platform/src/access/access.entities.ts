import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';

/** A customer of the SaaS (migrations/1796000000000-TenantsAndKeys.ts). */
@Entity('tenant', {
  comment:
    'a customer of the SaaS; authorizer.tenant_id names one (no foreign key: the library does not know this table)',
})
@Check('tenant_id_check', `id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'`)
export class TenantEntity {
  @PrimaryColumn({
    type: 'text',
    primaryKeyConstraintName: 'tenant_pkey',
    comment: 'tenant id: lower-case letters, digits, _ and -, at most 63',
  })
  id!: string;
  @Column({ type: 'text', comment: 'display name' }) name!: string;
  @Column({
    name: 'return_url_prefixes',
    comment: "where the tenant's users may be sent back after authorizing (origin + path prefix)",
    type: 'text',
    array: true,
    default: () => "'{}'",
  })
  returnUrlPrefixes!: string[];
  @Column({
    name: 'jssdk_domains',
    comment: "hosts the token API signs JS-SDK configs for, for this tenant's accounts",
    type: 'text',
    array: true,
    default: () => "'{}'",
  })
  jssdkDomains!: string[];
  @Column({
    name: 'created_at',
    type: 'timestamptz',
    default: () => 'now()',
    comment: 'when the tenant was created',
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

export type ApiKeyKind = 'operator' | 'tenant' | 'service';

/** A key of the admin or token API; only the hash of its secret part is kept. */
@Entity('api_key', {
  comment:
    'keys of the admin and token APIs; the key itself is shown once at creation and never stored',
})
@Check('api_key_kind_check', `kind IN ('operator', 'tenant', 'service')`)
@Check('api_key_tenant_check', `(kind = 'tenant') = (tenant_id IS NOT NULL)`)
@Index('api_key_tenant', ['tenantId'])
export class ApiKeyEntity {
  @PrimaryColumn({
    type: 'uuid',
    primaryKeyConstraintName: 'api_key_pkey',
    comment: 'the key id (also in the key and its display prefix)',
  })
  id!: string;
  @Column({
    type: 'text',
    comment: 'operator (everything), tenant (one tenant) or service (the token API, scoped)',
  })
  kind!: ApiKeyKind;
  @Column({ type: 'text', comment: 'what the key is for' }) name!: string;
  @Column({
    name: 'tenant_id',
    type: 'text',
    nullable: true,
    comment: 'tenant keys: the tenant (tenant.id)',
  })
  tenantId!: string | null;
  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', createForeignKeyConstraints: true })
  @JoinColumn({
    name: 'tenant_id',
    referencedColumnName: 'id',
    foreignKeyConstraintName: 'api_key_tenant_fkey',
  })
  tenant?: TenantEntity;
  @Column({
    name: 'display_prefix',
    comment:
      'the start of the key (kind and id), safe to show: tells an operator which key a log line names',
    type: 'text',
  })
  displayPrefix!: string;
  @Column({
    name: 'secret_hash',
    comment: "SHA-256 of the key's secret part (256 random bits, so a plain hash is enough)",
    type: 'bytea',
  })
  secretHash!: Buffer;
  @Column({
    name: 'scope_tenant_ids',
    comment: "service keys: only these tenants' accounts (NULL: every tenant)",
    type: 'text',
    array: true,
    nullable: true,
  })
  scopeTenantIds!: string[] | null;
  @Column({
    name: 'scope_authorizer_appids',
    comment: 'service keys: only these accounts (NULL: every account in scope)',
    type: 'text',
    array: true,
    nullable: true,
  })
  scopeAuthorizerAppids!: string[] | null;
  @Column({
    name: 'created_by',
    type: 'text',
    comment: 'who created it: the display prefix of the creating key, or cli',
  })
  createdBy!: string;
  @Column({
    name: 'created_at',
    type: 'timestamptz',
    default: () => 'now()',
    comment: 'when the key was created',
  })
  createdAt!: Date;
  @Column({
    name: 'last_used_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'last request made with the key (recorded in batches: it may lag a little)',
  })
  lastUsedAt!: Date | null;
  @Column({
    name: 'revoked_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the key was revoked; NULL while valid',
  })
  revokedAt!: Date | null;
}

export type SecretAccessAction = 'access_token' | 'jssdk_config' | 'token_rejected' | 'call';

/** Append-only record of a secret the token API handed out or used (never the secret). */
@Entity('secret_access_log', {
  comment:
    'append-only: every secret the token API handed out or used (who, which account, when), never the secret',
})
@Check(
  'secret_access_log_action_check',
  `action IN ('access_token', 'jssdk_config', 'token_rejected', 'call')`,
)
@Index('secret_access_log_authorizer', ['authorizerAppid', 'at'])
@Index('secret_access_log_key', ['apiKeyId', 'at'])
export class SecretAccessLogEntity {
  @PrimaryGeneratedColumn({
    type: 'bigint',
    primaryKeyConstraintName: 'secret_access_log_pkey',
    comment: 'sequence number',
  })
  id!: string;
  @Column({
    type: 'timestamptz',
    default: () => 'now()',
    comment: 'when the secret was handed out or used',
  })
  at!: Date;
  @Column({ name: 'api_key_id', type: 'uuid', comment: 'the key (api_key.id) that asked' })
  apiKeyId!: string;
  @Column({
    type: 'text',
    comment:
      "access_token (handed out), jssdk_config (a signature), token_rejected (reported as rejected) or call (a call made on the account's behalf)",
  })
  action!: SecretAccessAction;
  @Column({ name: 'component_appid', type: 'text', comment: 'the component' })
  componentAppid!: string;
  @Column({ name: 'authorizer_appid', type: 'text', comment: 'the account whose token it was' })
  authorizerAppid!: string;
  @Column({
    name: 'tenant_id',
    type: 'text',
    nullable: true,
    comment: 'the tenant of the account at the time',
  })
  tenantId!: string | null;
  @Column({
    name: 'request_id',
    type: 'text',
    nullable: true,
    comment: 'request id of the call (also in the logs)',
  })
  requestId!: string | null;
}
