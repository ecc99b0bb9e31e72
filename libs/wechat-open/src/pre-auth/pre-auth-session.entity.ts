import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

/**
 * A single-use authorization session of a tenant (the entry link). The migration indexes
 * created_at DESC; TypeORM cannot say DESC (nor compares it), and a B-tree is read backwards just
 * as well, so the entity names the columns only.
 */
@Entity('pre_auth_session', {
  comment:
    'single-use authorization sessions (entry links) of tenants: binds the account that authorizes to the tenant',
})
@Unique('pre_auth_session_pre_auth_code_hash_key', ['preAuthCodeHash'])
@Check('pre_auth_session_link_kind_check', `link_kind IN ('pc', 'mobile')`)
@Index('pre_auth_session_tenant', ['tenantId', 'createdAt'])
export class PreAuthSessionEntity {
  @PrimaryColumn({
    type: 'text',
    primaryKeyConstraintName: 'pre_auth_session_pkey',
    comment: 'random session id (in the entry link)',
  })
  id!: string;
  @Column({
    name: 'component_appid',
    type: 'text',
    comment: 'the component the account is asked to authorize',
  })
  componentAppid!: string;
  @Column({ name: 'tenant_id', type: 'text', comment: 'the tenant the account will belong to' })
  tenantId!: string;
  @Column({
    name: 'link_kind',
    type: 'text',
    comment: 'pc (QR code page) or mobile (link opened in WeChat)',
  })
  linkKind!: string;
  @Column({
    name: 'auth_type',
    type: 'integer',
    comment: 'WeChat auth_type: 1 official accounts, 2 mini programs, 3 both, ...',
  })
  authType!: number;
  @Column({
    name: 'biz_appid',
    type: 'text',
    nullable: true,
    comment: 'only this account may authorize (WeChat biz_appid), if set',
  })
  bizAppid!: string | null;
  @Column({
    name: 'category_id_list',
    type: 'integer',
    array: true,
    nullable: true,
    comment: 'permission set ids offered (WeChat category_id_list); NULL: all',
  })
  categoryIdList!: number[] | null;
  @Column({ name: 'return_url', type: 'text', comment: 'where the user is sent after authorizing' })
  returnUrl!: string;
  @Column({
    name: 'pre_auth_code_hash',
    type: 'text',
    nullable: true,
    comment:
      'SHA-256 (hex) of the pre_auth_code, once the link was opened; the code itself is never stored',
  })
  preAuthCodeHash!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', comment: 'when the session was created' })
  createdAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz', comment: 'the session is refused after this' })
  expiresAt!: Date;
  @Column({
    name: 'opened_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the entry link was first opened',
  })
  openedAt!: Date | null;
  @Column({
    name: 'consumed_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when an authorization used the session (single use)',
  })
  consumedAt!: Date | null;
  @Column({
    name: 'authorizer_appid',
    type: 'text',
    nullable: true,
    comment: 'the account that authorized through it',
  })
  authorizerAppid!: string | null;
  @Column({
    type: 'text',
    nullable: true,
    comment: 'ok, or why the binding was refused (TENANT_CONFLICT)',
  })
  outcome!: string | null;
}
