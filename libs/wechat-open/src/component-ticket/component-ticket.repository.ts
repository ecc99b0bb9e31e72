import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { returnedRows } from '../core/sql.js';

export interface StoredTicket {
  ticketCiphertext: string;
  createTime: Date;
  receivedAt: Date;
}

export interface StoredComponentToken {
  tokenCiphertext: string | null;
  version: number;
  expiresAt: Date | null;
  refreshedAt: Date | null;
}

interface TokenRow {
  token_ciphertext: string | null;
  version: string;
  expires_at: Date | null;
  refreshed_at: Date | null;
}

const toToken = (r: TokenRow): StoredComponentToken => ({
  tokenCiphertext: r.token_ciphertext,
  version: Number(r.version),
  expiresAt: r.expires_at,
  refreshedAt: r.refreshed_at,
});

/** The component tables: component_verify_ticket and component_token. */
@Injectable()
export class ComponentTicketRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Keeps the ticket unless a push with a later CreateTime is already stored. A repeat of the same
   * CreateTime is normal (WeChat retries) and just refreshes received_at.
   */
  async saveTicketIfNewer(
    componentAppid: string,
    ticketCiphertext: string,
    createTime: Date,
    receivedAt: Date,
  ): Promise<boolean> {
    const rows = await this.db.query<unknown>(
      `INSERT INTO component_verify_ticket (component_appid, ticket_ciphertext, create_time, received_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (component_appid) DO UPDATE
         SET ticket_ciphertext = EXCLUDED.ticket_ciphertext, create_time = EXCLUDED.create_time,
             received_at = EXCLUDED.received_at
         WHERE component_verify_ticket.create_time IS NULL
            OR component_verify_ticket.create_time <= EXCLUDED.create_time
       RETURNING component_appid`,
      [componentAppid, ticketCiphertext, createTime, receivedAt],
    );
    return returnedRows(rows).length === 1;
  }

  async findTicket(componentAppid: string): Promise<StoredTicket | null> {
    const rows = await this.db.query<
      { ticket_ciphertext: string; create_time: Date; received_at: Date }[]
    >(
      `SELECT ticket_ciphertext, create_time, received_at FROM component_verify_ticket
        WHERE component_appid = $1 AND ticket_ciphertext IS NOT NULL`,
      [componentAppid],
    );
    const r = rows[0];
    return r
      ? {
          ticketCiphertext: r.ticket_ciphertext,
          createTime: r.create_time,
          receivedAt: r.received_at,
        }
      : null;
  }

  /**
   * Claims the right to call api_start_push_ticket now: true for at most one caller (across
   * instances) per `minInterval`.
   */
  async claimPushRequest(componentAppid: string, now: Date, notBefore: Date): Promise<boolean> {
    const rows = await this.db.query<unknown>(
      `INSERT INTO component_verify_ticket (component_appid, push_requested_at) VALUES ($1, $2)
       ON CONFLICT (component_appid) DO UPDATE SET push_requested_at = $2
         WHERE component_verify_ticket.push_requested_at IS NULL
            OR component_verify_ticket.push_requested_at < $3
       RETURNING component_appid`,
      [componentAppid, now, notBefore],
    );
    return returnedRows(rows).length === 1;
  }

  async findToken(componentAppid: string): Promise<StoredComponentToken | null> {
    const rows = await this.db.query<TokenRow[]>(
      `SELECT token_ciphertext, version, expires_at, refreshed_at FROM component_token
        WHERE component_appid = $1`,
      [componentAppid],
    );
    return rows[0] ? toToken(rows[0]) : null;
  }

  /**
   * Takes the minting lease unless it is held, by another instance or by another task of this
   * one (the cron and a request must not both mint: the second token would supersede the first). Returns the row as it stands
   * under the lease (someone may have minted since the caller last looked), or null.
   */
  async tryLeaseToken(
    componentAppid: string,
    owner: string,
    now: Date,
    until: Date,
  ): Promise<StoredComponentToken | null> {
    const rows = await this.db.query<unknown>(
      `INSERT INTO component_token (component_appid, lease_owner, lease_until) VALUES ($1, $2, $4)
       ON CONFLICT (component_appid) DO UPDATE SET lease_owner = $2, lease_until = $4
         WHERE component_token.lease_until IS NULL OR component_token.lease_until < $3
       RETURNING token_ciphertext, version, expires_at, refreshed_at`,
      [componentAppid, owner, now, until],
    );
    const r = returnedRows<TokenRow>(rows)[0];
    return r ? toToken(r) : null;
  }

  async releaseLease(componentAppid: string, owner: string): Promise<void> {
    await this.db.query(
      `UPDATE component_token SET lease_owner = NULL, lease_until = NULL
        WHERE component_appid = $1 AND lease_owner = $2`,
      [componentAppid, owner],
    );
  }

  /** Stores a new token if `owner` still holds the lease; returns its version, or null. */
  async saveToken(
    componentAppid: string,
    owner: string,
    tokenCiphertext: string,
    expiresAt: Date,
    now: Date,
  ): Promise<number | null> {
    const rows = await this.db.query<unknown>(
      `UPDATE component_token
          SET token_ciphertext = $3, expires_at = $4, refreshed_at = $5, refreshed_by = $2,
              version = version + 1, lease_owner = NULL, lease_until = NULL
        WHERE component_appid = $1 AND lease_owner = $2
        RETURNING version`,
      [componentAppid, owner, tokenCiphertext, expiresAt, now],
    );
    const r = returnedRows<{ version: string }>(rows)[0];
    return r ? Number(r.version) : null;
  }

  /** Marks the token expired only if it is still `version` (compare-and-swap after a 40001). */
  async expireVersion(componentAppid: string, version: number, now: Date): Promise<boolean> {
    const rows = await this.db.query<unknown>(
      `UPDATE component_token SET expires_at = $3
        WHERE component_appid = $1 AND version = $2 AND token_ciphertext IS NOT NULL
        RETURNING version`,
      [componentAppid, version, now],
    );
    return returnedRows(rows).length === 1;
  }
}
