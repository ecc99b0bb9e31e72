import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One host handler (`@OnComponentEvent`) a stored push was dispatched to. A critical handler's
 * row is inserted in the transaction its run happens in, so it exists only if the run succeeded;
 * a non-critical handler's row is claimed before the run starts, so it runs at most once.
 */
@Entity('wechat_event_dispatch', {
  comment:
    'which host handlers (@OnComponentEvent) each stored push was dispatched to, one row per push and handler',
})
export class EventDispatchEntity {
  @PrimaryColumn({
    name: 'event_id',
    type: 'bigint',
    primaryKeyConstraintName: 'wechat_event_dispatch_pkey',
    comment: 'wechat_event_log.id (append-only: never deleted, so no foreign key to lock it)',
  })
  eventId!: string;
  @PrimaryColumn({
    type: 'text',
    primaryKeyConstraintName: 'wechat_event_dispatch_pkey',
    comment:
      "the host method, Class.method: a critical one's row commits with its run (it succeeded); another's is claimed before it starts (at most once)",
  })
  handler!: string;
  @Column({
    type: 'boolean',
    comment:
      'a critical handler runs before WeChat gets its answer, in the transaction that writes this row',
  })
  critical!: boolean;
  @Column({
    name: 'dispatched_at',
    type: 'timestamptz',
    default: () => 'now()',
    comment:
      'when the row was written: the critical run committed, or the other handler was claimed',
  })
  dispatchedAt!: Date;
}
