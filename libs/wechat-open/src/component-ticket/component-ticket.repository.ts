import { Injectable } from '@nestjs/common';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { DataSource, Equal, IsNull, LessThanOrEqual, Not, Or } from 'typeorm';
import { returnedRows } from '../core/sql.js';
import { ComponentTokenEntity, VerifyTicketEntity } from './component-ticket.entities.js';

export interface StoredTicket {
  ticketCiphertext: string;
  createTime: Date;
  receivedAt: Date;
  /** Set when api_component_token refused this ticket (61005/61006). */
  rejectedErrcode: number | null;
  rejectedAt: Date | null;
}

/** The stored row and the incoming push are the same push (WeChat's retry). */
const SAME_PUSH = `component_verify_ticket.create_time = EXCLUDED.create_time
  AND component_verify_ticket.ticket_digest = EXCLUDED.ticket_digest`;

/**
 * What became of a ticket push: another ticket (stored), a repeat of the stored push, or older
 * than the stored one (ignored).
 */
export type TicketSave = 'new' | 'repeat' | 'older';

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
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  private get tickets() {
    return this.db.getRepository(VerifyTicketEntity);
  }

  private get tokens() {
    return this.db.getRepository(ComponentTokenEntity);
  }

  /**
   * Keeps the ticket unless a push with a later CreateTime is already stored. A repeat of the
   * stored push (same CreateTime, same ticket: WeChat retries) just refreshes received_at and
   * keeps a refusal (the same ticket stays refused) and the count of asks for a push; any other
   * ticket clears both.
   */
  async saveTicketIfNewer(
    componentAppid: string,
    ticketCiphertext: string,
    ticketDigest: string,
    createTime: Date,
    receivedAt: Date,
  ): Promise<TicketSave> {
    // Raw SQL: a conditional upsert (ON CONFLICT ... WHERE) that also RETURNs the row it replaced.
    const rows = await this.db.query<unknown>(
      `WITH previous AS (
         SELECT create_time, ticket_digest FROM component_verify_ticket WHERE component_appid = $1
       )
       INSERT INTO component_verify_ticket
              (component_appid, ticket_ciphertext, ticket_digest, create_time, received_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (component_appid) DO UPDATE
         SET ticket_ciphertext = EXCLUDED.ticket_ciphertext,
             ticket_digest = EXCLUDED.ticket_digest,
             create_time = EXCLUDED.create_time,
             received_at = EXCLUDED.received_at,
             rejected_at = CASE WHEN ${SAME_PUSH} THEN component_verify_ticket.rejected_at END,
             rejected_errcode = CASE WHEN ${SAME_PUSH}
                                     THEN component_verify_ticket.rejected_errcode END,
             push_request_count = CASE WHEN ${SAME_PUSH}
                                       THEN component_verify_ticket.push_request_count ELSE 0 END
         WHERE component_verify_ticket.create_time IS NULL
            OR component_verify_ticket.create_time <= EXCLUDED.create_time
       RETURNING (SELECT create_time FROM previous) AS previous_create_time,
                 (SELECT ticket_digest FROM previous) AS previous_digest`,
      [componentAppid, ticketCiphertext, ticketDigest, createTime, receivedAt],
    );
    const row = returnedRows<{ previous_create_time: Date | null; previous_digest: string | null }>(
      rows,
    )[0];
    if (!row) return 'older';
    const same =
      row.previous_create_time?.getTime() === createTime.getTime() &&
      row.previous_digest === ticketDigest;
    return same ? 'repeat' : 'new';
  }

  async findTicket(componentAppid: string): Promise<StoredTicket | null> {
    const r = await this.tickets.findOne({
      select: {
        componentAppid: true,
        ticketCiphertext: true,
        createTime: true,
        receivedAt: true,
        rejectedErrcode: true,
        rejectedAt: true,
      },
      where: { componentAppid, ticketCiphertext: Not(IsNull()) },
    });
    // A stored ticket always has its CreateTime and arrival (a check and the upsert see to it).
    return r && r.ticketCiphertext !== null
      ? {
          ticketCiphertext: r.ticketCiphertext,
          createTime: r.createTime as Date,
          receivedAt: r.receivedAt as Date,
          rejectedErrcode: r.rejectedErrcode,
          rejectedAt: r.rejectedAt,
        }
      : null;
  }

  /**
   * Marks the ticket (CreateTime and digest) refused, if it is still the stored one and not
   * marked yet. Returns whether this call marked it. A row stored before digests were kept has
   * none: its CreateTime alone identifies it.
   */
  async markTicketRejected(
    componentAppid: string,
    createTime: Date,
    ticketDigest: string,
    errcode: number,
    now: Date,
  ): Promise<boolean> {
    const result = await this.tickets.update(
      {
        componentAppid,
        createTime,
        ticketCiphertext: Not(IsNull()),
        ticketDigest: Or(Equal(ticketDigest), IsNull()),
        rejectedAt: IsNull(),
      },
      { rejectedAt: now, rejectedErrcode: errcode },
    );
    return result.affected === 1;
  }

  /**
   * Claims the right to call api_start_push_ticket now for a missing or stale ticket: true for
   * one caller across instances, then not again until `firstIntervalSec` doubled per ask already
   * made (since the last new ticket) has passed, at most `maxIntervalSec`.
   */
  async claimPushRequest(
    componentAppid: string,
    now: Date,
    firstIntervalSec: number,
    maxIntervalSec: number,
  ): Promise<boolean> {
    // Raw SQL: a conditional upsert whose backoff is interval arithmetic on the stored values.
    const rows = await this.db.query<unknown>(
      `INSERT INTO component_verify_ticket (component_appid, push_requested_at, push_request_count)
       VALUES ($1, $2, 1)
       ON CONFLICT (component_appid) DO UPDATE
         SET push_requested_at = $2,
             push_request_count = component_verify_ticket.push_request_count + 1
         WHERE component_verify_ticket.push_request_count = 0
            OR component_verify_ticket.push_requested_at IS NULL
            OR component_verify_ticket.push_requested_at <= $2::timestamptz - make_interval(
                 secs => LEAST($3::float8 * power(2, LEAST(component_verify_ticket.push_request_count - 1, 30)),
                               $4::float8))
       RETURNING component_appid`,
      [componentAppid, now, firstIntervalSec, maxIntervalSec],
    );
    return returnedRows(rows).length === 1;
  }

  /**
   * Claims the right to ask for a push after WeChat refused the stored ticket: true for at most
   * one caller (across instances) per interval, whatever the asks for a missing ticket did.
   */
  async claimRejectionPushRequest(
    componentAppid: string,
    now: Date,
    notBefore: Date,
  ): Promise<boolean> {
    const result = await this.tickets.update(
      {
        componentAppid,
        rejectionPushRequestedAt: Or(IsNull(), LessThanOrEqual(notBefore)),
      },
      { rejectionPushRequestedAt: now },
    );
    return result.affected === 1;
  }

  async findToken(componentAppid: string): Promise<StoredComponentToken | null> {
    const r = await this.tokens.findOne({
      select: {
        componentAppid: true,
        tokenCiphertext: true,
        version: true,
        expiresAt: true,
        refreshedAt: true,
      },
      where: { componentAppid },
    });
    return r
      ? {
          tokenCiphertext: r.tokenCiphertext,
          version: Number(r.version),
          expiresAt: r.expiresAt,
          refreshedAt: r.refreshedAt,
        }
      : null;
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
    // Raw SQL: a conditional upsert (ON CONFLICT ... WHERE the lease ran out) RETURNING the row.
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
    await this.tokens.update(
      { componentAppid, leaseOwner: owner },
      { leaseOwner: null, leaseUntil: null },
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
    const result = await this.tokens
      .createQueryBuilder()
      .update()
      .set({
        tokenCiphertext,
        expiresAt,
        refreshedAt: now,
        refreshedBy: owner,
        version: () => 'version + 1',
        leaseOwner: null,
        leaseUntil: null,
      })
      .where({ componentAppid, leaseOwner: owner })
      .returning(['version'])
      .execute();
    const r = (result.raw as { version: string }[])[0];
    return r ? Number(r.version) : null;
  }

  /** Marks the token expired only if it is still `version` (compare-and-swap after a 40001). */
  async expireVersion(componentAppid: string, version: number, now: Date): Promise<boolean> {
    const result = await this.tokens.update(
      { componentAppid, version: String(version), tokenCiphertext: Not(IsNull()) },
      { expiresAt: now },
    );
    return result.affected === 1;
  }
}
