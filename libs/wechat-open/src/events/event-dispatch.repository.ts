import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { InjectWechatOpenDataSource } from '../core/data-source.js';

/** wechat_event_dispatch: which host handlers each stored push went to. Its only writer. */
@Injectable()
export class EventDispatchRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  /**
   * Runs `run` in a transaction that first records the handler as dispatched for the event, and
   * returns true; returns false without running it when its record already exists (it succeeded
   * before). The record commits with the run, so it exists only if the run succeeded: a run that
   * throws rolls it back and the next delivery runs the handler again. A concurrent delivery
   * (another instance, a WeChat retry) waits on the record's key until this one ends, then
   * either finds it or runs the handler itself.
   */
  async runOnce(
    eventId: string,
    handler: string,
    run: (m: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    return this.db.transaction(async (m) => {
      // Raw SQL: ON CONFLICT DO NOTHING with RETURNING tells "recorded now" from "was there".
      const inserted = await m.query<unknown[]>(
        `INSERT INTO wechat_event_dispatch (event_id, handler, critical)
         VALUES ($1, $2, true)
         ON CONFLICT (event_id, handler) DO NOTHING
         RETURNING handler`,
        [eventId, handler],
      );
      if (inserted.length === 0) return false;
      await run(m);
      return true;
    });
  }

  /**
   * Claims the handlers for the event in one statement and returns those claimed now (the others
   * were claimed by an earlier delivery): each runs at most once.
   */
  async claim(eventId: string, handlers: string[]): Promise<string[]> {
    if (handlers.length === 0) return [];
    // Raw SQL: a set insert with ON CONFLICT DO NOTHING RETURNING what was new.
    const rows = await this.db.query<{ handler: string }[]>(
      `INSERT INTO wechat_event_dispatch (event_id, handler, critical)
       SELECT $1, h, false FROM unnest($2::text[]) AS h
       ON CONFLICT (event_id, handler) DO NOTHING
       RETURNING handler`,
      [eventId, handlers],
    );
    return rows.map((r) => r.handler);
  }
}
