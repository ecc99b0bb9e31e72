import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One message of an authorized account that a platform instance has claimed (WeChat retries a
 * message up to 3 times; the first claim runs the handlers, the others are answered `success`).
 * The key is a hash: no openid or message content is stored. Rows older than a day are of no use
 * (WeChat's retries come within seconds) and are pruned.
 */
@Entity('wechat_message_dedupe', {
  comment:
    'messages of authorized accounts an instance has claimed (WeChat retries a message up to 3 times: the first claim runs the handlers); pruned after a day',
})
@Index('wechat_message_dedupe_claimed_at', ['claimedAt'])
export class MessageDedupeEntity {
  @PrimaryColumn({
    name: 'component_appid',
    type: 'text',
    primaryKeyConstraintName: 'wechat_message_dedupe_pkey',
    comment: 'the component',
  })
  componentAppid!: string;
  @PrimaryColumn({
    name: 'authorizer_appid',
    type: 'text',
    primaryKeyConstraintName: 'wechat_message_dedupe_pkey',
    comment: 'the account that received the message',
  })
  authorizerAppid!: string;
  @PrimaryColumn({
    name: 'dedupe_key',
    type: 'text',
    primaryKeyConstraintName: 'wechat_message_dedupe_pkey',
    comment: 'sha256 of MsgId, or of FromUserName, CreateTime and Event',
  })
  dedupeKey!: string;
  @Column({
    name: 'claimed_at',
    type: 'timestamptz',
    default: () => 'now()',
    comment: 'when an instance claimed the message',
  })
  claimedAt!: Date;
  @Column({
    name: 'msg_type',
    type: 'text',
    nullable: true,
    comment:
      "the message's kind, lowercased: its MsgType, or event:<Event> for an event (other when unusual); null on claims older than the column",
  })
  msgType!: string | null;
}
