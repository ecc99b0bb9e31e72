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
@Entity('authorizer', {
  comment:
    'one row per component and authorized account (official account or mini program): tenant, status, profile, permission sets',
})
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
    comment: 'the component (third-party platform) the account authorized',
  })
  componentAppid!: string;
  @PrimaryColumn({
    name: 'authorizer_appid',
    type: 'text',
    primaryKeyConstraintName: 'authorizer_pkey',
    comment: 'the authorized account (official account or mini program)',
  })
  authorizerAppid!: string;
  @Column({
    name: 'tenant_id',
    type: 'text',
    nullable: true,
    comment: 'the tenant (tenant.id) the account belongs to; NULL until bound',
  })
  tenantId!: string | null;
  @Column({
    type: 'text',
    comment:
      'authorized, revoked, needs_reauth (the refresh token stopped working) or detached (forgotten by an operator)',
  })
  status!: string;
  @Column({
    name: 'account_kind',
    type: 'text',
    nullable: true,
    comment: 'official_account or mini_program; NULL until the profile is fetched',
  })
  accountKind!: string | null;
  @Column({
    name: 'nick_name',
    type: 'text',
    nullable: true,
    comment: "the account's display name (api_get_authorizer_info)",
  })
  nickName!: string | null;
  @Column({
    name: 'user_name',
    type: 'text',
    nullable: true,
    comment: "the account's original id (gh_...)",
  })
  userName!: string | null;
  @Column({ type: 'text', nullable: true, comment: "the account's WeChat id, if it set one" })
  alias!: string | null;
  @Column({
    name: 'principal_name',
    type: 'text',
    nullable: true,
    comment: 'the company or person behind the account',
  })
  principalName!: string | null;
  @Column({ type: 'text', nullable: true, comment: "the account's description (mini programs)" })
  signature!: string | null;
  @Column({
    name: 'service_type',
    type: 'integer',
    nullable: true,
    comment:
      "WeChat's service_type_info.id (official accounts: 0 subscription, 1 upgraded, 2 service)",
  })
  serviceType!: number | null;
  @Column({
    name: 'verify_type',
    type: 'integer',
    nullable: true,
    comment: "WeChat's verify_type_info.id (-1 unverified, 0 WeChat-verified, ...)",
  })
  verifyType!: number | null;
  @Column({
    name: 'account_status',
    type: 'integer',
    nullable: true,
    comment: "WeChat's account_status (1 normal, 14 deregistered, 16 banned, ...)",
  })
  accountStatus!: number | null;
  @Column({
    name: 'head_img',
    type: 'text',
    nullable: true,
    comment: "URL of the account's avatar",
  })
  headImg!: string | null;
  @Column({
    name: 'qrcode_url',
    type: 'text',
    nullable: true,
    comment: "URL of the account's QR code",
  })
  qrcodeUrl!: string | null;
  @Column({
    name: 'func_info',
    type: 'integer',
    array: true,
    default: () => "'{}'",
    comment: 'permission set ids (funcscope_category.id) actually granted',
  })
  funcInfo!: number[];
  @Column({
    name: 'authorized_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the account (last) authorized the component',
  })
  authorizedAt!: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz', comment: 'last change of this row' })
  updatedAt!: Date;
  @Column({
    name: 'revoked_at',
    type: 'timestamptz',
    nullable: true,
    comment:
      'when the account withdrew its authorization (unauthorized push); NULL while authorized',
  })
  revokedAt!: Date | null;
  @Column({
    name: 'profile_refreshed_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'last successful profile fetch (api_get_authorizer_info)',
  })
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
@Entity('authorizer_token', {
  comment:
    "the tokens of an authorized account, sealed, with the refresh plan and the refreshing instance's lease",
})
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
    comment: 'the component (authorizer.component_appid)',
  })
  componentAppid!: string;
  @PrimaryColumn({
    name: 'authorizer_appid',
    type: 'text',
    primaryKeyConstraintName: 'authorizer_token_pkey',
    comment: 'the account (authorizer.authorizer_appid)',
  })
  authorizerAppid!: string;
  @Column({
    name: 'access_token_ciphertext',
    type: 'text',
    nullable: true,
    comment: 'authorizer_access_token, SecretBox-sealed (v1:<kid>:<iv>:<ciphertext>)',
  })
  accessTokenCiphertext!: string | null;
  @Column({
    name: 'refresh_token_ciphertext',
    type: 'text',
    nullable: true,
    comment: 'authorizer_refresh_token, SecretBox-sealed (v1:<kid>:<iv>:<ciphertext>)',
  })
  refreshTokenCiphertext!: string | null;
  @Column({
    name: 'expires_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the stored access token expires',
  })
  expiresAt!: Date | null;
  @Column({
    name: 'next_refresh_at',
    type: 'timestamptz',
    nullable: true,
    comment:
      'planned refresh (expiry minus a margin, with jitter); NULL = not refreshed (revoked, needs re-authorization)',
  })
  nextRefreshAt!: Date | null;
  @Column({
    name: 'refreshed_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the stored access token was issued (its last successful refresh)',
  })
  refreshedAt!: Date | null;
  @Column({
    name: 'lease_owner',
    type: 'text',
    nullable: true,
    comment: 'instance refreshing the token now; others wait for it',
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
    name: 'failure_count',
    type: 'integer',
    default: 0,
    comment:
      'failed refreshes in a row; with next_refresh_at in the future: paused (45009) or backing off',
  })
  failureCount!: number;
  @Column({
    name: 'last_errcode',
    type: 'integer',
    nullable: true,
    comment: "WeChat's errcode of the last failed refresh (NULL: no answer, or no failure)",
  })
  lastErrcode!: number | null;
  @Column({
    type: 'bigint',
    default: 0,
    comment: 'bumped on every write of the token: compare-and-swap, so a stale write is dropped',
  })
  version!: string;
}

/**
 * Append-only: every change of an authorizer record, with its cause. A trigger (forbid_change, in
 * the migrations; TypeORM has no notion of triggers) refuses updates and deletes. The migration
 * indexes at DESC; TypeORM cannot say DESC (nor compares it), and a B-tree is read backwards just
 * as well, so the entity names the columns only.
 */
@Entity('authorizer_history', {
  comment:
    'append-only: every change of an authorizer record (what changed, why, who, when); never pruned',
})
@Index('authorizer_history_account', ['componentAppid', 'authorizerAppid', 'at'])
export class AuthorizerHistoryEntity {
  @PrimaryGeneratedColumn({
    type: 'bigint',
    primaryKeyConstraintName: 'authorizer_history_pkey',
    comment: 'sequence number',
  })
  id!: string;
  @Column({ name: 'component_appid', type: 'text', comment: 'the component' })
  componentAppid!: string;
  @Column({ name: 'authorizer_appid', type: 'text', comment: 'the account' })
  authorizerAppid!: string;
  @Column({
    name: 'tenant_id',
    type: 'text',
    nullable: true,
    comment: 'the tenant of the account at the time',
  })
  tenantId!: string | null;
  @Column({
    type: 'text',
    comment:
      'authorized, reauthorized, updated, revoked, needs_reauth, tenant_bound, detached, discovered, recovered, push_ignored, ...',
  })
  action!: string;
  @Column({
    type: 'jsonb',
    default: () => "'{}'",
    comment: 'the fields that changed: {"field": {"from": ..., "to": ...}} (never a token)',
  })
  changes!: Record<string, unknown>;
  @Column({
    type: 'text',
    comment:
      'what caused it: push:authorized, push:updateauthorized, push:unauthorized, landing, sync, refresh, admin, ...',
  })
  cause!: string;
  @Column({ type: 'text', comment: 'the instance that made the change' }) actor!: string;
  @Column({ type: 'timestamptz', default: () => 'now()', comment: 'when' }) at!: Date;
  @Column({
    type: 'text',
    nullable: true,
    comment:
      'why nothing changed: action push_ignored records a push older than the last state change',
  })
  note!: string | null;
}

/**
 * Append-only: every refresh attempt of an authorizer token. A trigger (forbid_change, in the
 * migrations) refuses updates and deletes. The migration indexes at DESC: see above.
 */
@Entity('authorizer_refresh_log', {
  comment:
    'append-only: every refresh attempt of an authorizer access token (the token itself is never logged)',
})
@Index('authorizer_refresh_log_account', ['authorizerAppid', 'at'])
export class AuthorizerRefreshLogEntity {
  @PrimaryGeneratedColumn({
    type: 'bigint',
    primaryKeyConstraintName: 'authorizer_refresh_log_pkey',
    comment: 'sequence number',
  })
  id!: string;
  @Column({ name: 'component_appid', type: 'text', comment: 'the component' })
  componentAppid!: string;
  @Column({ name: 'authorizer_appid', type: 'text', comment: 'the account' })
  authorizerAppid!: string;
  @Column({ type: 'text', comment: 'the instance that tried' }) instance!: string;
  @Column({
    type: 'text',
    comment:
      'schedule (the sweep), demand (a caller found it due), invalid (WeChat said 40001/42001), redeem or sync',
  })
  trigger!: string;
  @Column({
    type: 'text',
    comment:
      'ok, stale (lost the race), retry_later, quota (45009), revoked, needs_reauth, error, ...',
  })
  result!: string;
  @Column({
    type: 'integer',
    nullable: true,
    comment: "WeChat's errcode when it refused (NULL: success or no answer)",
  })
  errcode!: number | null;
  @Column({
    name: 'duration_ms',
    type: 'integer',
    comment: 'time the attempt took, in milliseconds',
  })
  durationMs!: number;
  @Column({ type: 'timestamptz', default: () => 'now()', comment: 'when the attempt ended' })
  at!: Date;
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
    comment: 'SHA-256 (hex) of the auth_code WeChat sent; the code itself is never stored',
  })
  codeHash!: string;
  @Column({
    name: 'component_appid',
    type: 'text',
    comment: 'the component (third-party platform) the code was issued to',
  })
  componentAppid!: string;
  @Column({
    name: 'pre_auth_code_hash',
    type: 'text',
    nullable: true,
    comment: 'SHA-256 (hex) of the pre_auth_code the authorization started from, when known',
  })
  preAuthCodeHash!: string | null;
  @Column({ type: 'text', comment: 'redeeming (leased), redeemed or failed' }) status!: string;
  @Column({
    name: 'lease_until',
    type: 'timestamptz',
    comment: 'while redeeming: another caller waits until then before taking the code over',
  })
  leaseUntil!: Date;
  @Column({
    name: 'authorizer_appid',
    type: 'text',
    nullable: true,
    comment: 'the account the code authorized, once api_query_auth answered',
  })
  authorizerAppid!: string | null;
  @Column({
    type: 'text',
    nullable: true,
    comment: 'how the redemption ended: ok, or the error code',
  })
  outcome!: string | null;
  @Column({
    name: 'created_at',
    type: 'timestamptz',
    comment: 'first sight of the code (the push or the landing redirect)',
  })
  createdAt!: Date;
  @Column({
    name: 'finished_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the redemption ended (redeemed or failed)',
  })
  finishedAt!: Date | null;
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
