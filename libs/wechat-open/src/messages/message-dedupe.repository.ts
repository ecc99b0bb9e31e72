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

/** The message URL's deduplication claims (wechat_message_dedupe). */
@Injectable()
export class MessageDedupeRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  /**
   * Claims the message; false when an instance claimed it before (a retry of WeChat's).
   * `msgType` is the message's kind as messageKind() writes it (counted by the admin console).
   */
  async claim(key: DedupeKey, now: Date, msgType: string | null = null): Promise<boolean> {
    // Raw SQL: ON CONFLICT DO NOTHING RETURNING tells the claim's winner in one statement,
    // across instances.
    const rows = await this.db.query<unknown>(
      `INSERT INTO wechat_message_dedupe (component_appid, authorizer_appid, dedupe_key, claimed_at, msg_type)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING dedupe_key`,
      [key.componentAppid, key.authorizerAppid, key.dedupeKey, now, msgType],
    );
    return returnedRows(rows).length === 1;
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
