import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** Follow-up work recorded before WeChat got its answer, retried until done. */
@Entity('wechat_job')
@Unique('wechat_job_dedupe_key_key', ['dedupeKey'])
@Check('wechat_job_status_check', `status IN ('pending', 'done', 'failed')`)
@Index('wechat_job_due', ['nextAttemptAt'], { where: `status = 'pending'` })
@Index('wechat_job_failed', ['kind'], { where: `status = 'failed'` })
export class JobEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'wechat_job_pkey' })
  id!: string;
  @Column({ type: 'text' }) kind!: string;
  @Column({ name: 'component_appid', type: 'text' }) componentAppid!: string;
  @Column({ name: 'dedupe_key', type: 'text' }) dedupeKey!: string;
  @Column({ name: 'payload_ciphertext', type: 'text' }) payloadCiphertext!: string;
  @Column({ type: 'text', default: 'pending' }) status!: 'pending' | 'done' | 'failed';
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;
  @Column({ name: 'lease_owner', type: 'text', nullable: true }) leaseOwner!: string | null;
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true }) leaseUntil!: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt!: Date;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
}
