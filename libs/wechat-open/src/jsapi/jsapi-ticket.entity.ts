import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { AuthorizerEntity } from '../authorizer/authorizer.entities.js';

/** Which ticket: `jsapi` for wx.config, `wx_card` (卡券 api_ticket) for card signatures. */
export type JsApiTicketType = 'jsapi' | 'wx_card';

/** One JS-SDK ticket of an authorized account, with the lease of whoever is fetching the next. */
@Entity('jsapi_ticket')
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
  })
  componentAppid!: string;
  @PrimaryColumn({
    name: 'authorizer_appid',
    type: 'text',
    primaryKeyConstraintName: 'jsapi_ticket_pkey',
  })
  authorizerAppid!: string;
  @PrimaryColumn({
    name: 'ticket_type',
    type: 'text',
    primaryKeyConstraintName: 'jsapi_ticket_pkey',
  })
  ticketType!: JsApiTicketType;
  /** SecretBox-sealed ticket. */
  @Column({ name: 'ticket_ciphertext', type: 'text', nullable: true }) ticketCiphertext!:
    string | null;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({ name: 'refreshed_at', type: 'timestamptz', nullable: true }) refreshedAt!: Date | null;
  /** Last hand-out (written at most about once a minute): idle tickets are not kept warm. */
  @Column({
    name: 'last_used_at',
    type: 'timestamptz',
    nullable: true,
    comment:
      'last time the ticket was handed out (written at most about once a minute); tickets unused for keepWarmSec are not refreshed',
  })
  lastUsedAt!: Date | null;
  @Column({ name: 'lease_owner', type: 'text', nullable: true }) leaseOwner!: string | null;
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true }) leaseUntil!: Date | null;
  @Column({ type: 'bigint', default: 0 }) version!: string;
  /** Failed fetches in a row; reset by a success. */
  @Column({ name: 'failure_count', type: 'integer', default: 0 }) failureCount!: number;
  @Column({
    name: 'retry_at',
    type: 'timestamptz',
    nullable: true,
    comment:
      'after a failed getticket, neither the keep-warm sweep nor a request calls WeChat before this time',
  })
  retryAt!: Date | null;
  /** WeChat's errcode of the last failure, if it gave one (45009: the account's daily quota). */
  @Column({ name: 'last_errcode', type: 'integer', nullable: true }) lastErrcode!: number | null;
}
