import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { AuthorizerEntity } from '../authorizer/authorizer.entities.js';

/** Which ticket: `jsapi` for wx.config, `wx_card` (卡券 api_ticket) for card signatures. */
export type JsApiTicketType = 'jsapi' | 'wx_card';

/** One JS-SDK ticket of an authorized account, with the lease of whoever is fetching the next. */
@Entity('jsapi_ticket', {
  comment:
    'JS-SDK tickets of authorized accounts (jsapi for wx.config, wx_card for card signatures), sealed, with the fetching lease',
})
@Check('jsapi_ticket_ticket_type_check', `ticket_type IN ('jsapi', 'wx_card')`)
@Index('jsapi_ticket_keep_warm', ['expiresAt', 'lastUsedAt'], {
  where: 'ticket_ciphertext IS NOT NULL',
})
@ForeignKey(
  () => AuthorizerEntity,
  ['componentAppid', 'authorizerAppid'],
  ['componentAppid', 'authorizerAppid'],
  { name: 'jsapi_ticket_component_appid_authorizer_appid_fkey', onDelete: 'CASCADE' },
)
export class JsApiTicketEntity {
  @PrimaryColumn({
    name: 'component_appid',
    type: 'text',
    primaryKeyConstraintName: 'jsapi_ticket_pkey',
    comment: 'the component',
  })
  componentAppid!: string;
  @PrimaryColumn({
    name: 'authorizer_appid',
    type: 'text',
    primaryKeyConstraintName: 'jsapi_ticket_pkey',
    comment: 'the account',
  })
  authorizerAppid!: string;
  @PrimaryColumn({
    name: 'ticket_type',
    type: 'text',
    primaryKeyConstraintName: 'jsapi_ticket_pkey',
    comment: 'jsapi or wx_card',
  })
  ticketType!: JsApiTicketType;
  /** SecretBox-sealed ticket. */
  @Column({
    name: 'ticket_ciphertext',
    type: 'text',
    nullable: true,
    comment: 'the ticket, SecretBox-sealed (v1:<kid>:<iv>:<ciphertext>)',
  })
  ticketCiphertext!: string | null;
  @Column({
    name: 'expires_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the stored ticket expires',
  })
  expiresAt!: Date | null;
  @Column({
    name: 'refreshed_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the stored ticket was fetched',
  })
  refreshedAt!: Date | null;
  /** Last hand-out (written at most about once a minute): idle tickets are not kept warm. */
  @Column({
    name: 'last_used_at',
    type: 'timestamptz',
    nullable: true,
    comment:
      'last time the ticket was handed out (written at most about once a minute); tickets unused for keepWarmSec are not refreshed',
  })
  lastUsedAt!: Date | null;
  @Column({
    name: 'lease_owner',
    type: 'text',
    nullable: true,
    comment: 'instance fetching the ticket now; others wait for it',
  })
  leaseOwner!: string | null;
  @Column({
    name: 'lease_until',
    type: 'timestamptz',
    nullable: true,
    comment: 'the lease ends then (a crashed instance lets go)',
  })
  leaseUntil!: Date | null;
  @Column({ type: 'bigint', default: 0, comment: 'bumped on every new ticket: compare-and-swap' })
  version!: string;
  /** Failed fetches in a row; reset by a success. */
  @Column({
    name: 'failure_count',
    type: 'integer',
    default: 0,
    comment: 'failed getticket calls in a row; 0 after a success',
  })
  failureCount!: number;
  @Column({
    name: 'retry_at',
    type: 'timestamptz',
    nullable: true,
    comment:
      'after a failed getticket, neither the keep-warm sweep nor a request calls WeChat before this time',
  })
  retryAt!: Date | null;
  /** WeChat's errcode of the last failure, if it gave one (45009: the account's daily quota). */
  @Column({
    name: 'last_errcode',
    type: 'integer',
    nullable: true,
    comment: "WeChat's errcode of the last failure (45009: the account's daily quota)",
  })
  lastErrcode!: number | null;
}
