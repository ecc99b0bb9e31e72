import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The newest component_verify_ticket of a component (one row per component). */
@Entity('component_verify_ticket')
export class VerifyTicketEntity {
  @PrimaryColumn({ name: 'component_appid', type: 'text' }) componentAppid!: string;
  @Column({ name: 'ticket_ciphertext', type: 'text', nullable: true }) ticketCiphertext!:
    string | null;
  /** WeChat's CreateTime of the push that brought it. */
  @Column({ name: 'create_time', type: 'timestamptz', nullable: true }) createTime!: Date | null;
  @Column({ name: 'received_at', type: 'timestamptz', nullable: true }) receivedAt!: Date | null;
  /** Last time this service asked WeChat to restart pushes (api_start_push_ticket). */
  @Column({ name: 'push_requested_at', type: 'timestamptz', nullable: true })
  pushRequestedAt!: Date | null;
}

/** The component_access_token of a component, with the lease of whoever is minting the next. */
@Entity('component_token')
export class ComponentTokenEntity {
  @PrimaryColumn({ name: 'component_appid', type: 'text' }) componentAppid!: string;
  @Column({ name: 'token_ciphertext', type: 'text', nullable: true }) tokenCiphertext!:
    string | null;
  @Column({ type: 'bigint', default: 0 }) version!: string;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({ name: 'refreshed_at', type: 'timestamptz', nullable: true }) refreshedAt!: Date | null;
  @Column({ name: 'refreshed_by', type: 'text', nullable: true }) refreshedBy!: string | null;
  @Column({ name: 'lease_owner', type: 'text', nullable: true }) leaseOwner!: string | null;
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true }) leaseUntil!: Date | null;
}
