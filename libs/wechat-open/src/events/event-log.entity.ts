import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One decrypted push from WeChat, secrets redacted; WeChat's retries are stored once. */
@Entity('wechat_event_log')
export class EventLogEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'component_appid', type: 'text' }) componentAppid!: string;
  @Column({ name: 'info_type', type: 'text' }) infoType!: string;
  @Column({ name: 'authorizer_appid', type: 'text', nullable: true }) authorizerAppid!:
    string | null;
  @Column({ name: 'create_time', type: 'timestamptz' }) createTime!: Date;
  @Column({ name: 'dedupe_key', type: 'text', unique: true }) dedupeKey!: string;
  @Column({ type: 'jsonb' }) payload!: Record<string, unknown>;
  @Column({ name: 'received_at', type: 'timestamptz' }) receivedAt!: Date;
  /** applied, or ignored (see note): an older authorization push never undoes a newer change. */
  @Column({ type: 'text', default: 'applied' }) disposition!: 'applied' | 'ignored';
  @Column({ type: 'text', nullable: true }) note!: string | null;
}
