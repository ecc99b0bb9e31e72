import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

/**
 * A single-use authorization session of a tenant (the entry link). The migration indexes
 * created_at DESC; TypeORM cannot say DESC (nor compares it), and a B-tree is read backwards just
 * as well, so the entity names the columns only.
 */
@Entity('pre_auth_session')
@Unique('pre_auth_session_pre_auth_code_hash_key', ['preAuthCodeHash'])
@Check('pre_auth_session_link_kind_check', `link_kind IN ('pc', 'mobile')`)
@Index('pre_auth_session_tenant', ['tenantId', 'createdAt'])
export class PreAuthSessionEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pre_auth_session_pkey' }) id!: string;
  @Column({ name: 'component_appid', type: 'text' }) componentAppid!: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId!: string;
  @Column({ name: 'link_kind', type: 'text' }) linkKind!: string;
  @Column({ name: 'auth_type', type: 'integer' }) authType!: number;
  @Column({ name: 'biz_appid', type: 'text', nullable: true }) bizAppid!: string | null;
  @Column({ name: 'category_id_list', type: 'integer', array: true, nullable: true })
  categoryIdList!: number[] | null;
  @Column({ name: 'return_url', type: 'text' }) returnUrl!: string;
  @Column({ name: 'pre_auth_code_hash', type: 'text', nullable: true })
  preAuthCodeHash!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true }) openedAt!: Date | null;
  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true }) consumedAt!: Date | null;
  @Column({ name: 'authorizer_appid', type: 'text', nullable: true }) authorizerAppid!:
    string | null;
  @Column({ type: 'text', nullable: true }) outcome!: string | null;
}
