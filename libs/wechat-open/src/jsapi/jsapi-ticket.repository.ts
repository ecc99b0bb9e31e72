import { Injectable } from '@nestjs/common';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { DataSource, IsNull, LessThan, Or } from 'typeorm';
import { AuthorizerEntity } from '../authorizer/authorizer.entities.js';
import { AuthorizerStatus } from '../authorizer/authorizer.types.js';
import { returnedRows } from '../core/sql.js';
import { JsApiTicketEntity, JsApiTicketType } from './jsapi-ticket.entity.js';

export interface TicketKey {
  componentAppid: string;
  authorizerAppid: string;
  ticketType: JsApiTicketType;
}

export interface StoredJsApiTicket extends TicketKey {
  ticketCiphertext: string | null;
  expiresAt: Date | null;
  refreshedAt: Date | null;
  lastUsedAt: Date | null;
  version: number;
  /** Failed fetches in a row (0 after a success). */
  failureCount: number;
  /** After a failed fetch: nobody calls getticket for this ticket before then. */
  retryAt: Date | null;
  /** WeChat's errcode of the last failure (45009: the account's quota), if it gave one. */
  lastErrcode: number | null;
}

/** A ticket row read together with its account's status (null: no such account). */
export interface TicketLookup {
  accountStatus: AuthorizerStatus | null;
  ticket: StoredJsApiTicket | null;
}

interface Row {
  component_appid: string;
  authorizer_appid: string;
  ticket_type: JsApiTicketType;
  ticket_ciphertext: string | null;
  expires_at: Date | null;
  refreshed_at: Date | null;
  last_used_at: Date | null;
  version: string;
  failure_count: number;
  retry_at: Date | null;
  last_errcode: number | null;
}

const COLUMNS = `component_appid, authorizer_appid, ticket_type, ticket_ciphertext, expires_at, refreshed_at,
  last_used_at, version, failure_count, retry_at, last_errcode`;

/** A row RETURNed by raw SQL. */
const toTicket = (r: Row): StoredJsApiTicket => ({
  componentAppid: r.component_appid,
  authorizerAppid: r.authorizer_appid,
  ticketType: r.ticket_type,
  ticketCiphertext: r.ticket_ciphertext,
  expiresAt: r.expires_at,
  refreshedAt: r.refreshed_at,
  lastUsedAt: r.last_used_at,
  version: Number(r.version),
  failureCount: Number(r.failure_count),
  retryAt: r.retry_at,
  lastErrcode: r.last_errcode === null ? null : Number(r.last_errcode),
});

/** A row read through TypeORM. */
const fromEntity = (e: JsApiTicketEntity): StoredJsApiTicket => ({
  componentAppid: e.componentAppid,
  authorizerAppid: e.authorizerAppid,
  ticketType: e.ticketType,
  ticketCiphertext: e.ticketCiphertext ?? null,
  expiresAt: e.expiresAt ?? null,
  refreshedAt: e.refreshedAt ?? null,
  lastUsedAt: e.lastUsedAt ?? null,
  version: Number(e.version),
  failureCount: Number(e.failureCount),
  retryAt: e.retryAt ?? null,
  lastErrcode: e.lastErrcode ?? null,
});

/** The ticket's key alone, as a where clause (a caller's key object may carry more fields). */
const byKey = (key: TicketKey) => ({
  componentAppid: key.componentAppid,
  authorizerAppid: key.authorizerAppid,
  ticketType: key.ticketType,
});

/** The account's row with its ticket of the asked type, if any, mapped on by find(). */
type AccountWithTicket = AuthorizerEntity & { jsapiTicket?: JsApiTicketEntity | null };

/** jsapi_ticket: the tickets, their fetch leases and their last use. */
@Injectable()
export class JsApiTicketRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  private get tickets() {
    return this.db.getRepository(JsApiTicketEntity);
  }

  async find(key: TicketKey): Promise<TicketLookup> {
    const account = await this.db
      .createQueryBuilder<AccountWithTicket>(AuthorizerEntity, 'a')
      .select(['a.componentAppid', 'a.authorizerAppid', 'a.status'])
      .leftJoinAndMapOne(
        'a.jsapiTicket',
        JsApiTicketEntity,
        't',
        't.componentAppid = a.componentAppid AND t.authorizerAppid = a.authorizerAppid' +
          ' AND t.ticketType = :ticketType',
        { ticketType: key.ticketType },
      )
      .where('a.componentAppid = :componentAppid AND a.authorizerAppid = :authorizerAppid', {
        componentAppid: key.componentAppid,
        authorizerAppid: key.authorizerAppid,
      })
      .getOne();
    if (!account) return { accountStatus: null, ticket: null };
    return {
      accountStatus: account.status as AuthorizerStatus,
      ticket: account.jsapiTicket ? fromEntity(account.jsapiTicket) : null,
    };
  }

  /**
   * Takes the fetch lease unless it is held, by another instance or by another task of this one
   * (the sweep and a request must not both fetch: each getticket spends quota). Returns the row as it stands
   * under the lease (someone may have fetched since the caller looked), or null.
   */
  async tryLease(
    key: TicketKey,
    owner: string,
    now: Date,
    until: Date,
  ): Promise<StoredJsApiTicket | null> {
    // Raw SQL: a conditional upsert (ON CONFLICT ... WHERE the lease ran out) RETURNING the row.
    const rows = await this.db.query<unknown>(
      `INSERT INTO jsapi_ticket (component_appid, authorizer_appid, ticket_type, lease_owner, lease_until)
       VALUES ($1, $2, $3, $4, $6)
       ON CONFLICT (component_appid, authorizer_appid, ticket_type) DO UPDATE SET lease_owner = $4, lease_until = $6
         WHERE jsapi_ticket.lease_until IS NULL OR jsapi_ticket.lease_until < $5
       RETURNING ${COLUMNS}`,
      [key.componentAppid, key.authorizerAppid, key.ticketType, owner, now, until],
    );
    const r = returnedRows<Row>(rows)[0];
    return r ? toTicket(r) : null;
  }

  async releaseLease(key: TicketKey, owner: string): Promise<void> {
    await this.tickets.update(
      { ...byKey(key), leaseOwner: owner },
      { leaseOwner: null, leaseUntil: null },
    );
  }

  /**
   * Stores a new ticket if `owner` still holds the lease; returns its version, or null.
   * `usedAt` is set when the fetch served a caller, and left alone by keep-warm refreshes.
   */
  async save(
    key: TicketKey,
    owner: string,
    ticketCiphertext: string,
    expiresAt: Date,
    now: Date,
    usedAt: Date | null,
  ): Promise<number | null> {
    const result = await this.tickets
      .createQueryBuilder()
      .update()
      .set({
        ticketCiphertext,
        expiresAt,
        refreshedAt: now,
        ...(usedAt !== null ? { lastUsedAt: usedAt } : {}),
        version: () => 'version + 1',
        leaseOwner: null,
        leaseUntil: null,
        failureCount: 0,
        retryAt: null,
        lastErrcode: null,
      })
      .where({ ...byKey(key), leaseOwner: owner })
      .returning(['version'])
      .execute();
    const r = (result.raw as { version: string }[])[0];
    return r ? Number(r.version) : null;
  }

  /**
   * Records a failed fetch if `owner` still holds the lease, and releases it: no fetch of this
   * ticket before `retryAt`. Returns the failures in a row, or null when the lease was lost.
   */
  async saveFailure(
    key: TicketKey,
    owner: string,
    retryAt: Date,
    errcode: number | null,
  ): Promise<number | null> {
    const result = await this.tickets
      .createQueryBuilder()
      .update()
      .set({
        failureCount: () => 'failure_count + 1',
        retryAt,
        lastErrcode: errcode,
        leaseOwner: null,
        leaseUntil: null,
      })
      .where({ ...byKey(key), leaseOwner: owner })
      .returning(['failureCount'])
      .execute();
    const r = (result.raw as { failure_count: number }[])[0];
    return r ? Number(r.failure_count) : null;
  }

  /** Records a use (callers throttle this; it never moves last_used_at backwards). */
  async touch(key: TicketKey, at: Date): Promise<void> {
    await this.tickets.update(
      { ...byKey(key), lastUsedAt: Or(IsNull(), LessThan(at)) },
      { lastUsedAt: at },
    );
  }

  /**
   * Claims up to `limit` tickets of authorized accounts that are within their refresh margin
   * (the configured one, scaled down to a quarter of short lifetimes) and were used since
   * `usedSince`, except those backing off after a failed fetch (`retry_at` still ahead).
   * `horizon` (now + the configured margin) bounds the index scan; SKIP LOCKED and the lease let
   * several instances sweep side by side.
   */
  async claimDue(
    owner: string,
    now: Date,
    leaseUntil: Date,
    horizon: Date,
    marginSec: number,
    usedSince: Date,
    limit: number,
  ): Promise<StoredJsApiTicket[]> {
    // Raw SQL: FOR UPDATE SKIP LOCKED, and the refresh margin is interval arithmetic on each row.
    const rows = await this.db.query<unknown>(
      `UPDATE jsapi_ticket t SET lease_owner = $1, lease_until = $3
         FROM (SELECT j.component_appid, j.authorizer_appid, j.ticket_type FROM jsapi_ticket j
                WHERE j.ticket_ciphertext IS NOT NULL AND j.expires_at <= $4
                  AND j.expires_at - LEAST(make_interval(secs => $5::double precision),
                                           (j.expires_at - COALESCE(j.refreshed_at, j.expires_at)) * 0.25) <= $2
                  AND j.last_used_at >= $6
                  AND (j.retry_at IS NULL OR j.retry_at <= $2)
                  AND (j.lease_until IS NULL OR j.lease_until < $2)
                  AND EXISTS (SELECT 1 FROM authorizer a
                               WHERE a.component_appid = j.component_appid AND a.authorizer_appid = j.authorizer_appid
                                 AND a.status = 'authorized')
                ORDER BY j.expires_at LIMIT $7 FOR UPDATE OF j SKIP LOCKED) due
        WHERE t.component_appid = due.component_appid AND t.authorizer_appid = due.authorizer_appid
          AND t.ticket_type = due.ticket_type
        RETURNING t.component_appid, t.authorizer_appid, t.ticket_type, t.ticket_ciphertext, t.expires_at,
                  t.refreshed_at, t.last_used_at, t.version, t.failure_count, t.retry_at, t.last_errcode`,
      [owner, now, leaseUntil, horizon, marginSec, usedSince, limit],
    );
    return returnedRows<Row>(rows).map(toTicket);
  }

  /** Erases every ticket of the account (after a revocation). Returns how many there were. */
  async deleteForAuthorizer(componentAppid: string, authorizerAppid: string): Promise<number> {
    const result = await this.tickets.delete({ componentAppid, authorizerAppid });
    return result.affected ?? 0;
  }
}
