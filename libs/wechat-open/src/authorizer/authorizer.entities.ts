import {
  Check,
  Column,
  Entity,
  ForeignKey,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';

/** One authorized account of one component (the registry). The repositories read and write it
 * through TypeORM, and through raw SQL only where a comment there says why (locks, CAS, NOTIFY). */
@Entity('authorizer')
@Check('authorizer_status_check', `status IN ('authorized', 'revoked', 'needs_reauth', 'detached')`)
@Check('authorizer_account_kind_check', `account_kind IN ('official_account', 'mini_program')`)
@Index('authorizer_tenant', ['tenantId', 'componentAppid'])
@Index('authorizer_appid', ['authorizerAppid'])
// The admin search's sort keys, each with the keyset's tie-breakers: a page is an index range.
@Index('authorizer_authorized_at', ['authorizedAt', 'componentAppid', 'authorizerAppid'])
@Index('authorizer_updated_at', ['updatedAt', 'componentAppid', 'authorizerAppid'])
@Index('authorizer_nick_name', ['nickName', 'componentAppid', 'authorizerAppid'])
// The migration orders this index NULLS FIRST (never-fetched profiles come first, as the query
// asks); TypeORM can neither say nor compare that, so the entity names the column only.
@Index('authorizer_profile_due', ['profileRefreshedAt'], { where: `status = 'authorized'` })
export class AuthorizerEntity {
  @PrimaryColumn({
    name: 'component_appid',
    type: 'text',
    primaryKeyConstraintName: 'authorizer_pkey',
  })
  componentAppid!: string;
  @PrimaryColumn({
    name: 'authorizer_appid',
    type: 'text',
    primaryKeyConstraintName: 'authorizer_pkey',
  })
  authorizerAppid!: string;
  @Column({ name: 'tenant_id', type: 'text', nullable: true }) tenantId!: string | null;
  @Column({ type: 'text' }) status!: string;
  @Column({ name: 'account_kind', type: 'text', nullable: true }) accountKind!: string | null;
  @Column({ name: 'nick_name', type: 'text', nullable: true }) nickName!: string | null;
  @Column({ name: 'user_name', type: 'text', nullable: true }) userName!: string | null;
  @Column({ type: 'text', nullable: true }) alias!: string | null;
  @Column({ name: 'principal_name', type: 'text', nullable: true }) principalName!: string | null;
  @Column({ type: 'text', nullable: true }) signature!: string | null;
  @Column({ name: 'service_type', type: 'integer', nullable: true }) serviceType!: number | null;
  @Column({ name: 'verify_type', type: 'integer', nullable: true }) verifyType!: number | null;
  @Column({ name: 'account_status', type: 'integer', nullable: true }) accountStatus!:
    number | null;
  @Column({ name: 'head_img', type: 'text', nullable: true }) headImg!: string | null;
  @Column({ name: 'qrcode_url', type: 'text', nullable: true }) qrcodeUrl!: string | null;
  @Column({
    name: 'func_info',
    type: 'integer',
    array: true,
    default: () => "'{}'",
    comment: 'permission set ids (funcscope_category.id) actually granted',
  })
  funcInfo!: number[];
  @Column({ name: 'authorized_at', type: 'timestamptz', nullable: true })
  authorizedAt!: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
  @Column({ name: 'profile_refreshed_at', type: 'timestamptz', nullable: true })
  profileRefreshedAt!: Date | null;
  /** Failed profile fetches in a row; 0 after a success. */
  @Column({
    name: 'profile_failure_count',
    type: 'integer',
    default: 0,
    comment: 'failed profile fetches in a row (api_get_authorizer_info); 0 after a success',
  })
  profileFailureCount!: number;
  /** No scheduled profile fetch before this (backoff after failures). */
  @Column({
    name: 'profile_retry_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'no scheduled profile fetch before this (backoff after failures); NULL = no backoff',
  })
  profileRetryAt!: Date | null;
  /** When the last authorization state change happened (WeChat's CreateTime for a push). */
  @Column({
    name: 'state_event_at',
    type: 'timestamptz',
    nullable: true,
    comment:
      "when the last authorization state change happened: WeChat's CreateTime for a push, else our clock (whole seconds); older pushes are ignored",
  })
  stateEventAt!: Date | null;
}

/** The tokens of an authorized account, encrypted, with the refresh plan and lease. */
@Entity('authorizer_token')
@ForeignKey(
  () => AuthorizerEntity,
  ['componentAppid', 'authorizerAppid'],
  ['componentAppid', 'authorizerAppid'],
  { name: 'authorizer_token_component_appid_authorizer_appid_fkey', onDelete: 'CASCADE' },
)
@Index('authorizer_token_due', ['nextRefreshAt'], { where: 'next_refresh_at IS NOT NULL' })
export class AuthorizerTokenEntity {
  @PrimaryColumn({
    name: 'component_appid',
    type: 'text',
    primaryKeyConstraintName: 'authorizer_token_pkey',
  })
  componentAppid!: string;
  @PrimaryColumn({
    name: 'authorizer_appid',
    type: 'text',
    primaryKeyConstraintName: 'authorizer_token_pkey',
  })
  authorizerAppid!: string;
  @Column({ name: 'access_token_ciphertext', type: 'text', nullable: true })
  accessTokenCiphertext!: string | null;
  @Column({ name: 'refresh_token_ciphertext', type: 'text', nullable: true })
  refreshTokenCiphertext!: string | null;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({
    name: 'next_refresh_at',
    type: 'timestamptz',
    nullable: true,
    comment:
      'planned refresh (expiry minus a margin, with jitter); NULL = not refreshed (revoked, needs re-authorization)',
  })
  nextRefreshAt!: Date | null;
  @Column({ name: 'refreshed_at', type: 'timestamptz', nullable: true }) refreshedAt!: Date | null;
  @Column({ name: 'lease_owner', type: 'text', nullable: true }) leaseOwner!: string | null;
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true }) leaseUntil!: Date | null;
  @Column({ name: 'failure_count', type: 'integer', default: 0 }) failureCount!: number;
  @Column({ name: 'last_errcode', type: 'integer', nullable: true }) lastErrcode!: number | null;
  @Column({ type: 'bigint', default: 0 }) version!: string;
}

/**
 * Append-only: every change of an authorizer record, with its cause. A trigger (forbid_change, in
 * the migrations; TypeORM has no notion of triggers) refuses updates and deletes. The migration
 * indexes at DESC; TypeORM cannot say DESC (nor compares it), and a B-tree is read backwards just
 * as well, so the entity names the columns only.
 */
@Entity('authorizer_history')
@Index('authorizer_history_account', ['componentAppid', 'authorizerAppid', 'at'])
export class AuthorizerHistoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'authorizer_history_pkey' })
  id!: string;
  @Column({ name: 'component_appid', type: 'text' }) componentAppid!: string;
  @Column({ name: 'authorizer_appid', type: 'text' }) authorizerAppid!: string;
  @Column({ name: 'tenant_id', type: 'text', nullable: true }) tenantId!: string | null;
  @Column({ type: 'text' }) action!: string;
  @Column({ type: 'jsonb', default: () => "'{}'" }) changes!: Record<string, unknown>;
  @Column({ type: 'text' }) cause!: string;
  @Column({ type: 'text' }) actor!: string;
  @Column({ type: 'timestamptz', default: () => 'now()' }) at!: Date;
  @Column({
    type: 'text',
    nullable: true,
    comment:
      'why nothing changed: action push_ignored records a push older than the last state change',
  })
  note!: string | null;
}

/** Every refresh attempt of an authorizer token (the migration indexes at DESC: see above). */
@Entity('authorizer_refresh_log')
@Index('authorizer_refresh_log_account', ['authorizerAppid', 'at'])
export class AuthorizerRefreshLogEntity {
  @PrimaryGeneratedColumn({
    type: 'bigint',
    primaryKeyConstraintName: 'authorizer_refresh_log_pkey',
  })
  id!: string;
  @Column({ name: 'component_appid', type: 'text' }) componentAppid!: string;
  @Column({ name: 'authorizer_appid', type: 'text' }) authorizerAppid!: string;
  @Column({ type: 'text' }) instance!: string;
  @Column({ type: 'text' }) trigger!: string;
  @Column({ type: 'text' }) result!: string;
  @Column({ type: 'integer', nullable: true }) errcode!: number | null;
  @Column({ name: 'duration_ms', type: 'integer' }) durationMs!: number;
  @Column({ type: 'timestamptz', default: () => 'now()' }) at!: Date;
}

/** An authorization code (hashed), redeemed once between the push and the landing. */
@Entity('authorization_code', {
  comment:
    'one row per auth_code (hashed): the push and the landing redirect redeem it once between them',
})
@Check('authorization_code_status_check', `status IN ('redeeming', 'redeemed', 'failed')`)
export class AuthorizationCodeEntity {
  @PrimaryColumn({
    name: 'code_hash',
    type: 'text',
    primaryKeyConstraintName: 'authorization_code_pkey',
  })
  codeHash!: string;
  @Column({ name: 'component_appid', type: 'text' }) componentAppid!: string;
  @Column({ name: 'pre_auth_code_hash', type: 'text', nullable: true }) preAuthCodeHash!:
    string | null;
  @Column({ type: 'text' }) status!: string;
  @Column({ name: 'lease_until', type: 'timestamptz' }) leaseUntil!: Date;
  @Column({ name: 'authorizer_appid', type: 'text', nullable: true }) authorizerAppid!:
    string | null;
  @Column({ type: 'text', nullable: true }) outcome!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({
    name: 'answer_ciphertext',
    type: 'text',
    nullable: true,
    comment:
      'SecretBox-sealed api_query_auth answer, stored the moment it arrives and cleared once the redemption is stored: a retry finishes from it',
  })
  answerCiphertext!: string | null;
}

export const AUTHORIZER_ENTITIES = [
  AuthorizerEntity,
  AuthorizerTokenEntity,
  AuthorizerHistoryEntity,
  AuthorizerRefreshLogEntity,
  AuthorizationCodeEntity,
];
