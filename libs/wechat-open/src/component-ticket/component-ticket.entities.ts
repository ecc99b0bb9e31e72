import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The newest component_verify_ticket of a component (one row per component). Checks and comments
 * are the migrations' (the entities are the schema's truth, down to them).
 */
@Entity('component_verify_ticket', {
  comment:
    'the newest component_verify_ticket WeChat pushed for each component (one row per component), sealed',
})
@Check('component_verify_ticket_check', '(ticket_ciphertext IS NULL) = (create_time IS NULL)')
@Check(
  'component_verify_ticket_rejection',
  '(rejected_at IS NULL) = (rejected_errcode IS NULL) AND (rejected_at IS NULL OR ticket_ciphertext IS NOT NULL)',
)
@Check('component_verify_ticket_push_request_count', 'push_request_count >= 0')
export class VerifyTicketEntity {
  @PrimaryColumn({
    name: 'component_appid',
    type: 'text',
    primaryKeyConstraintName: 'component_verify_ticket_pkey',
    comment: 'the component (third-party platform) appid',
  })
  componentAppid!: string;
  @Column({
    name: 'ticket_ciphertext',
    type: 'text',
    nullable: true,
    comment: 'component_verify_ticket, SecretBox-sealed (v1:<kid>:<iv>:<ciphertext>)',
  })
  ticketCiphertext!: string | null;
  /** SHA-256 (hex) of the ticket: a retry of the same push is told from a new ticket by it. */
  @Column({
    name: 'ticket_digest',
    type: 'text',
    nullable: true,
    comment:
      "SHA-256 (hex) of the ticket: tells WeChat's retry of a push (same ticket) from a new ticket with the same CreateTime, without decrypting",
  })
  ticketDigest!: string | null;
  /** WeChat's CreateTime of the push that brought it. */
  @Column({
    name: 'create_time',
    type: 'timestamptz',
    nullable: true,
    comment: "WeChat's CreateTime of the push; an older push never replaces a newer one",
  })
  createTime!: Date | null;
  @Column({
    name: 'received_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the push carrying the ticket arrived',
  })
  receivedAt!: Date | null;
  /** Last time this service asked WeChat to push for a missing or stale ticket. */
  @Column({
    name: 'push_requested_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'last time this service asked WeChat to push a ticket (api_start_push_ticket)',
  })
  pushRequestedAt!: Date | null;
  /** Asks for a missing or stale ticket since the last new one: the backoff doubles with it. */
  @Column({
    name: 'push_request_count',
    type: 'integer',
    default: 0,
    comment:
      'api_start_push_ticket asks for a missing or stale ticket since the last new ticket: the pause before the next ask doubles with it',
  })
  pushRequestCount!: number;
  /** When api_component_token refused this ticket: it is never sent again. */
  @Column({
    name: 'rejected_at',
    type: 'timestamptz',
    nullable: true,
    comment:
      'when api_component_token refused this ticket (61005/61006): it is never sent again; only another ticket clears it (a retry of the same push does not)',
  })
  rejectedAt!: Date | null;
  /** 61005 (expired) or 61006 (invalid). */
  @Column({
    name: 'rejected_errcode',
    type: 'integer',
    nullable: true,
    comment: '61005 (expired) or 61006 (invalid), with rejected_at',
  })
  rejectedErrcode!: number | null;
  /** Last ask for a push after a refusal (throttled on its own). */
  @Column({
    name: 'rejection_push_requested_at',
    type: 'timestamptz',
    nullable: true,
    comment:
      'last ask for a push after a refused ticket; throttled apart from the asks for a missing or stale ticket',
  })
  rejectionPushRequestedAt!: Date | null;
}

/** The component_access_token of a component, with the lease of whoever is minting the next. */
@Entity('component_token', {
  comment:
    'the component_access_token of each component (one row per component), sealed, with the lease of the instance minting the next',
})
@Check('component_token_check', '(token_ciphertext IS NULL) = (expires_at IS NULL)')
export class ComponentTokenEntity {
  @PrimaryColumn({
    name: 'component_appid',
    type: 'text',
    primaryKeyConstraintName: 'component_token_pkey',
    comment: 'the component (third-party platform) appid',
  })
  componentAppid!: string;
  @Column({
    name: 'token_ciphertext',
    type: 'text',
    nullable: true,
    comment: 'component_access_token, SecretBox-sealed (v1:<kid>:<iv>:<ciphertext>)',
  })
  tokenCiphertext!: string | null;
  @Column({
    type: 'bigint',
    default: 0,
    comment: 'bumped on every new token: a 40001 invalidates only the version that failed',
  })
  version!: string;
  @Column({
    name: 'expires_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the stored token expires',
  })
  expiresAt!: Date | null;
  @Column({
    name: 'refreshed_at',
    type: 'timestamptz',
    nullable: true,
    comment: 'when the stored token was minted',
  })
  refreshedAt!: Date | null;
  @Column({
    name: 'refreshed_by',
    type: 'text',
    nullable: true,
    comment: 'the instance that minted it',
  })
  refreshedBy!: string | null;
  @Column({
    name: 'lease_owner',
    type: 'text',
    nullable: true,
    comment: 'instance minting a token now; others wait for it instead of minting twice',
  })
  leaseOwner!: string | null;
  @Column({
    name: 'lease_until',
    type: 'timestamptz',
    nullable: true,
    comment: 'the lease ends then (a crashed instance lets go)',
  })
  leaseUntil!: Date | null;
}
