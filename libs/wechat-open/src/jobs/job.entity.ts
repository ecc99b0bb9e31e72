import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** Follow-up work recorded before WeChat got its answer, retried until done. */
@Entity('wechat_job', {
  comment:
    'follow-up work recorded before WeChat got its answer (durable queue), retried with backoff until done or failed',
})
@Unique('wechat_job_dedupe_key_key', ['dedupeKey'])
@Check('wechat_job_status_check', `status IN ('pending', 'done', 'failed')`)
@Index('wechat_job_due', ['nextAttemptAt'], { where: `status = 'pending'` })
@Index('wechat_job_failed', ['kind'], { where: `status = 'failed'` })
export class JobEntity {
  @PrimaryGeneratedColumn({
    type: 'bigint',
    primaryKeyConstraintName: 'wechat_job_pkey',
    comment: 'sequence number',
  })
  id!: string;
  @Column({ type: 'text', comment: 'what to do (the handler name)' }) kind!: string;
  @Column({ name: 'component_appid', type: 'text', comment: 'the component the job is for' })
  componentAppid!: string;
  @Column({
    name: 'dedupe_key',
    type: 'text',
    comment: 'identifies the job: the same work is queued once',
  })
  dedupeKey!: string;
  @Column({
    name: 'payload_ciphertext',
    type: 'text',
    comment: "the job's input, SecretBox-sealed (it may hold codes or decrypted content)",
  })
  payloadCiphertext!: string;
  @Column({
    type: 'text',
    default: 'pending',
    comment: 'pending, done or failed (gave up; replayable)',
  })
  status!: 'pending' | 'done' | 'failed';
  @Column({ type: 'integer', default: 0, comment: 'tries so far' }) attempts!: number;
  @Column({
    name: 'next_attempt_at',
    type: 'timestamptz',
    default: () => 'now()',
    comment: 'not tried again before this',
  })
  nextAttemptAt!: Date;
  @Column({
    name: 'lease_owner',
    type: 'text',
    nullable: true,
    comment: 'instance running the job now',
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
    name: 'last_error',
    type: 'text',
    nullable: true,
    comment: 'why the last try failed (never a secret)',
  })
  lastError!: string | null;
  @Column({
    name: 'created_at',
    type: 'timestamptz',
    default: () => 'now()',
    comment: 'when the job was queued',
  })
  createdAt!: Date;
  @Column({
    name: 'finished_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when it was done or failed',
  })
  finishedAt!: Date | null;
}
