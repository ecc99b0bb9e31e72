import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import { DeliveryKind, DeliveryStatus, WebhookDeliveryEntity } from './webhook.entities.js';

/** One message or event for the matching endpoints of a tenant. */
export interface DeliveryFanOut {
  tenantId: string;
  kind: DeliveryKind;
  dedupeKey: string;
  authorizerAppid: string | null;
  /** Lower-case. */
  msgType: string | null;
  event: string | null;
  infoType: string | null;
  bodyCiphertext: string;
  now: Date;
}

/** A delivery claimed by one worker, with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  attempts: number;
  bodyCiphertext: string;
  url: string;
  secretCiphertext: string;
}

/** The outcome of one attempt as the log keeps it. */
export interface AttemptRecord {
  httpStatus: number | null;
  error: string | null;
}

export interface DeliveryPageQuery {
  endpointId: string;
  statuses?: DeliveryStatus[];
  limit: number;
  /** Rows strictly older than this (created_at, id), newest first. */
  before?: { createdAt: Date; id: string };
}

/** webhook_delivery: the forwarding queue and delivery log; this class is its one writer. */
@Injectable()
export class WebhookDeliveryRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(WebhookDeliveryEntity)
    private readonly rows: Repository<WebhookDeliveryEntity>,
  ) {}

  /**
   * One delivery per enabled endpoint of the tenant whose filters admit the message or event, in
   * one statement; an endpoint that already has it (a WeChat retry) gets nothing new. Returns how
   * many were queued.
   */
  async fanOut(f: DeliveryFanOut): Promise<number> {
    // Raw SQL: INSERT ... SELECT over the matching endpoints (array filters) with ON CONFLICT on
    // the (endpoint, dedupe key) unique constraint; TypeORM's builder cannot say INSERT ... SELECT.
    const rows = await this.db.query<unknown[]>(
      `INSERT INTO webhook_delivery
              (id, endpoint_id, kind, dedupe_key, authorizer_appid, msg_type, event, info_type,
               body_ciphertext, next_attempt_at, created_at, updated_at)
       SELECT gen_random_uuid(), e.id, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9
         FROM webhook_endpoint e
        WHERE e.tenant_id = $1 AND e.enabled
          AND (e.authorizer_appids IS NULL OR $4::text = ANY (e.authorizer_appids))
          AND CASE WHEN $2::text = 'message'
                   THEN (e.msg_types IS NULL OR $5::text = ANY (e.msg_types))
                    AND ($6::text IS NULL OR e.events IS NULL OR $6::text = ANY (e.events))
                   ELSE (e.info_types IS NULL OR $7::text = ANY (e.info_types)) END
       ON CONFLICT (endpoint_id, dedupe_key) DO NOTHING
       RETURNING id`,
      [
        f.tenantId,
        f.kind,
        f.dedupeKey,
        f.authorizerAppid,
        f.msgType,
        f.event,
        f.infoType,
        f.bodyCiphertext,
        f.now,
      ],
    );
    return rows.length;
  }

  /**
   * Claims up to `limit` due deliveries of enabled endpoints for `owner` until `leaseUntil`:
   * pending ones whose time has come, and ones whose sender's lease ran out (its instance died
   * mid-send). SKIP LOCKED lets every instance claim from the same queue side by side.
   */
  async claimDue(
    owner: string,
    now: Date,
    leaseUntil: Date,
    limit: number,
  ): Promise<ClaimedDelivery[]> {
    // Raw SQL: FOR UPDATE SKIP LOCKED in a CTE, then UPDATE ... FROM ... RETURNING with the
    // endpoint's URL and secret.
    const result = await this.db.query<unknown>(
      `WITH due AS (
         SELECT d.id FROM webhook_delivery d
           JOIN webhook_endpoint e ON e.id = d.endpoint_id AND e.enabled
          WHERE (d.status = 'pending' AND d.next_attempt_at <= $2)
             OR (d.status = 'delivering' AND d.lease_until < $2)
          ORDER BY d.next_attempt_at
          LIMIT $4
          FOR UPDATE OF d SKIP LOCKED)
       UPDATE webhook_delivery w
          SET status = 'delivering', lease_owner = $1, lease_until = $3,
              attempts = w.attempts + 1, last_attempt_at = $2, updated_at = $2
         FROM due, webhook_endpoint e
        WHERE w.id = due.id AND e.id = w.endpoint_id
       RETURNING w.id, w.endpoint_id, w.attempts, w.body_ciphertext, e.url, e.secret_ciphertext`,
      [owner, now, leaseUntil, limit],
    );
    const rows = (
      Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) ? result[0] : result
    ) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: String(r.id),
      endpointId: String(r.endpoint_id),
      attempts: Number(r.attempts),
      bodyCiphertext: String(r.body_ciphertext),
      url: String(r.url),
      secretCiphertext: String(r.secret_ciphertext),
    }));
  }

  async markDelivered(id: string, owner: string, now: Date, httpStatus: number): Promise<void> {
    await this.rows.update(
      { id, leaseOwner: owner, status: 'delivering' },
      {
        status: 'delivered',
        deliveredAt: now,
        lastHttpStatus: httpStatus,
        lastError: null,
        leaseOwner: null,
        leaseUntil: null,
        updatedAt: now,
      },
    );
  }

  async markRetry(
    id: string,
    owner: string,
    now: Date,
    nextAttemptAt: Date,
    attempt: AttemptRecord,
  ): Promise<void> {
    await this.rows.update(
      { id, leaseOwner: owner, status: 'delivering' },
      {
        status: 'pending',
        nextAttemptAt,
        lastHttpStatus: attempt.httpStatus,
        lastError: attempt.error,
        leaseOwner: null,
        leaseUntil: null,
        updatedAt: now,
      },
    );
  }

  async markDead(id: string, owner: string, now: Date, attempt: AttemptRecord): Promise<void> {
    await this.rows.update(
      { id, leaseOwner: owner, status: 'delivering' },
      {
        status: 'dead',
        lastHttpStatus: attempt.httpStatus,
        lastError: attempt.error,
        leaseOwner: null,
        leaseUntil: null,
        updatedAt: now,
      },
    );
  }

  find(endpointId: string, id: string): Promise<WebhookDeliveryEntity | null> {
    return this.rows.findOneBy({ endpointId, id });
  }

  /** Newest first; `before` continues after the previous page's last row. */
  page(q: DeliveryPageQuery): Promise<WebhookDeliveryEntity[]> {
    const query = this.rows
      .createQueryBuilder('d')
      .where('d.endpoint_id = :endpointId', { endpointId: q.endpointId })
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .limit(q.limit);
    if (q.statuses?.length) query.andWhere({ status: In(q.statuses) });
    if (q.before) {
      query.andWhere('(d.created_at, d.id) < (:createdAt, :id)', {
        createdAt: q.before.createdAt,
        id: q.before.id,
      });
    }
    return query.getMany();
  }

  /**
   * Deletes up to `limit` delivered or dead deliveries last changed before `before`; returns how
   * many. Instances pruning at the same time skip each other's rows.
   */
  async pruneFinished(before: Date, limit: number): Promise<number> {
    // Raw SQL: a DELETE bounded by LIMIT needs a subquery, and SKIP LOCKED lets instances share it.
    const result = await this.db.query<unknown>(
      `DELETE FROM webhook_delivery WHERE id IN (
         SELECT id FROM webhook_delivery
          WHERE status IN ('delivered', 'dead') AND updated_at < $1
          LIMIT $2
          FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [before, limit],
    );
    const rows: unknown =
      Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) ? result[0] : result;
    return Array.isArray(rows) ? rows.length : 0;
  }

  /**
   * Puts a finished (delivered or dead) delivery back in the queue, due now, with its attempts
   * reset. False when it is not finished (still pending or being sent) or does not exist.
   */
  async requeue(endpointId: string, id: string, now: Date): Promise<boolean> {
    const result = await this.rows.update(
      { endpointId, id, status: In(['delivered', 'dead']) },
      {
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        deliveredAt: null,
        leaseOwner: null,
        leaseUntil: null,
        updatedAt: now,
      },
    );
    return (result.affected ?? 0) > 0;
  }
}
