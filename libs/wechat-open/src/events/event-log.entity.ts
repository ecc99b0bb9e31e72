import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * One decrypted push from WeChat, secrets redacted; WeChat's retries are stored once. Append-only:
 * a trigger (forbid_change, in the migrations; TypeORM has no notion of triggers) refuses updates
 * and deletes.
 *
 * The migrations index received_at DESC; TypeORM cannot say DESC (nor compares it), and a B-tree
 * is read backwards just as well, so the entity names the columns only.
 */
@Entity('wechat_event_log', {
  comment:
    'append-only: every valid push to the authorization-event URL (component_verify_ticket, authorized, updateauthorized, unauthorized, ...), decrypted, secrets redacted',
})
@Unique('wechat_event_log_dedupe_key_key', ['dedupeKey'])
@Check('wechat_event_log_disposition_check', `disposition IN ('applied', 'ignored')`)
@Index('wechat_event_log_component_time', ['componentAppid', 'receivedAt'])
@Index('wechat_event_log_authorizer', ['authorizerAppid', 'receivedAt'], {
  where: 'authorizer_appid IS NOT NULL',
})
export class EventLogEntity {
  @PrimaryGeneratedColumn({
    type: 'bigint',
    primaryKeyConstraintName: 'wechat_event_log_pkey',
    comment: 'sequence number',
  })
  id!: string;
  @Column({ name: 'component_appid', type: 'text', comment: 'the component the push was for' })
  componentAppid!: string;
  @Column({
    name: 'info_type',
    type: 'text',
    comment:
      "WeChat's InfoType (component_verify_ticket, authorized, updateauthorized, unauthorized, ...)",
  })
  infoType!: string;
  @Column({
    name: 'authorizer_appid',
    type: 'text',
    nullable: true,
    comment: 'the account concerned, for authorization events',
  })
  authorizerAppid!: string | null;
  @Column({ name: 'create_time', type: 'timestamptz', comment: "WeChat's CreateTime of the push" })
  createTime!: Date;
  @Column({
    name: 'dedupe_key',
    type: 'text',
    comment: "identifies the push: WeChat's retries are stored once",
  })
  dedupeKey!: string;
  @Column({
    type: 'jsonb',
    comment: 'decrypted push with every ticket and code replaced by [redacted]',
  })
  payload!: Record<string, unknown>;
  @Column({
    name: 'received_at',
    type: 'timestamptz',
    default: () => 'now()',
    comment: 'when the push arrived',
  })
  receivedAt!: Date;
  /** applied, or ignored (see note): an older authorization push never undoes a newer change. */
  @Column({ type: 'text', default: 'applied', comment: 'applied, or ignored (see note)' })
  disposition!: 'applied' | 'ignored';
  @Column({
    type: 'text',
    nullable: true,
    comment:
      'why a push was ignored (for example: older than the last state change of the account)',
  })
  note!: string | null;
}
