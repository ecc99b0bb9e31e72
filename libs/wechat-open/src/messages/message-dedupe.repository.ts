import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { returnedRows } from '../core/sql.js';
import { MessageDedupeEntity } from './message-dedupe.entity.js';

/** A message's claim: which component, which account, which (hashed) key. */
export interface DedupeKey {
  componentAppid: string;
  authorizerAppid: string;
  dedupeKey: string;
}

interface PendingClaim {
  key: DedupeKey;
  now: Date;
  msgType: string | null;
  resolve: (won: boolean) => void;
  reject: (error: unknown) => void;
}

/** Claim statements in flight at once; claims arriving meanwhile wait and go in one group. */
const CLAIMS_IN_FLIGHT = 2;
/** Claims in one statement at most. */
const MAX_GROUP = 200;

/** The message URL's deduplication claims (wechat_message_dedupe). */
@Injectable()
export class MessageDedupeRepository {
  private queue: PendingClaim[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  /**
   * Claims the message; false when an instance claimed it before (a retry of WeChat's).
   * `msgType` is the message's kind as messageKind() writes it (counted by the admin console).
   * Claims made at about the same time (the same turn of the event loop, or while earlier claims
   * are in flight) are written by one statement; each caller learns its own outcome.
   */
  claim(key: DedupeKey, now: Date, msgType: string | null = null): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ key, now, msgType, resolve, reject });
      this.schedule();
    });
  }

  /** Sends the waiting claims once this turn's requests have had their say, if a slot is free. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= CLAIMS_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < CLAIMS_IN_FLIGHT && this.queue.length > 0) {
        const group = this.queue.splice(0, MAX_GROUP);
        this.inFlight++;
        void this.claimGroup(group).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  /** One INSERT for the group; the first claim of a key repeated within it wins, the rest lose. */
  private async claimGroup(group: PendingClaim[]): Promise<void> {
    const id = (k: DedupeKey) => `${k.componentAppid}\n${k.authorizerAppid}\n${k.dedupeKey}`;
    const first = new Map<string, PendingClaim>();
    for (const c of group) if (!first.has(id(c.key))) first.set(id(c.key), c);
    const claims = [...first.values()];
    try {
      // Raw SQL: ON CONFLICT DO NOTHING RETURNING tells each claim's winner, across instances,
      // for a whole group in one statement (unnest of arrays).
      const rows = returnedRows<{ c: string; a: string; k: string }>(
        await this.db.query<unknown>(
          `INSERT INTO wechat_message_dedupe (component_appid, authorizer_appid, dedupe_key, claimed_at, msg_type)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])
           ON CONFLICT DO NOTHING
           RETURNING component_appid AS c, authorizer_appid AS a, dedupe_key AS k`,
          [
            claims.map((c) => c.key.componentAppid),
            claims.map((c) => c.key.authorizerAppid),
            claims.map((c) => c.key.dedupeKey),
            claims.map((c) => c.now),
            claims.map((c) => c.msgType),
          ],
        ),
      );
      const won = new Set(rows.map((r) => `${r.c}\n${r.a}\n${r.k}`));
      for (const c of group) c.resolve(first.get(id(c.key)) === c && won.has(id(c.key)));
    } catch (error) {
      for (const c of group) c.reject(error);
    }
  }

  /** Gives the claim back (a critical handler failed: WeChat's retry must run it again). */
  async release(key: DedupeKey): Promise<void> {
    await this.db.getRepository(MessageDedupeEntity).delete({
      componentAppid: key.componentAppid,
      authorizerAppid: key.authorizerAppid,
      dedupeKey: key.dedupeKey,
    });
  }

  /** Deletes up to `limit` claims older than `before`; returns how many. */
  async pruneOlderThan(before: Date, limit: number): Promise<number> {
    // Raw SQL: a bounded DELETE (TypeORM's delete has no LIMIT), so one run never holds a long lock.
    const rows = await this.db.query<unknown>(
      `DELETE FROM wechat_message_dedupe
        WHERE ctid IN (SELECT ctid FROM wechat_message_dedupe WHERE claimed_at < $1 LIMIT $2)
        RETURNING 1`,
      [before, limit],
    );
    return returnedRows(rows).length;
  }
}
