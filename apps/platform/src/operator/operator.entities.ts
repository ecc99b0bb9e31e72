import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What became of a quota reset attempt: WeChat reset the counts (`reset`), refused (`refused`,
 * its errcode kept), could not be reached or did not answer in time (`unknown`: it may have
 * counted), or the platform's monthly budget refused it before calling WeChat (`budget_refused`).
 */
export type QuotaResetOutcome = 'reset' | 'refused' | 'unknown' | 'budget_refused';

/**
 * Append-only: every quota reset an operator asked for (migrations/1796100000000-QuotaResets.ts).
 * A trigger (forbid_change, in the migrations) refuses updates and deletes.
 */
@Entity('quota_reset', {
  comment:
    'append-only: every clear_quota an operator asked for (who, which account, what WeChat said); WeChat allows 10 resets per account per calendar month, UTC+8',
})
@Check('quota_reset_outcome_check', `outcome IN ('reset', 'refused', 'unknown', 'budget_refused')`)
@Index('quota_reset_target', ['componentAppid', 'targetAppid', 'at'])
export class QuotaResetEntity {
  @PrimaryGeneratedColumn({
    type: 'bigint',
    primaryKeyConstraintName: 'quota_reset_pkey',
    comment: 'sequence number',
  })
  id!: string;
  @Column({ type: 'timestamptz', default: () => 'now()', comment: 'when the reset was asked for' })
  at!: Date;
  @Column({ name: 'component_appid', type: 'text', comment: 'the component' })
  componentAppid!: string;
  @Column({
    name: 'target_appid',
    comment: 'the account whose quota was reset: the component itself or one of its accounts',
    type: 'text',
  })
  targetAppid!: string;
  @Column({ name: 'api_key_id', type: 'uuid', comment: 'the key (api_key.id) that asked' })
  apiKeyId!: string;
  @Column({
    name: 'request_id',
    type: 'text',
    nullable: true,
    comment: 'request id of the admin call (also in the logs)',
  })
  requestId!: string | null;
  @Column({
    type: 'text',
    comment:
      'reset, refused, unknown (WeChat did not answer: it may have counted) or budget_refused (the monthly budget, before calling WeChat)',
  })
  outcome!: QuotaResetOutcome;
  @Column({
    comment:
      "WeChat's errcode (0 reset, 48006 monthly limit reached); NULL when WeChat was not called or did not answer",
    type: 'integer',
    nullable: true,
  })
  errcode!: number | null;
}
