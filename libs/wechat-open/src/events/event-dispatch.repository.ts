import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { Semaphore } from '../concurrency/semaphore.js';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { EventDispatchEntity } from './event-dispatch.entity.js';

/** pg's default pool size, when the DataSource does not say. */
const DEFAULT_POOL_SIZE = 10;

/** wechat_event_dispatch: which host handlers each stored push went to. Its only writer. */
@Injectable()
export class EventDispatchRepository {
  /**
   * A critical handler holds a pooled connection (its transaction) while it runs, and may need
   * another for its own queries: with every connection held by such transactions, each waiting
   * for one more, the pool would never free up. At most half the pool runs them at once.
   */
  private readonly transactions: Semaphore;
  /**
   * A pool of one connection (the embedded database, single-instance by design): a handler's own
   * query could never run beside an open transaction, so none is held (see runOnce).
   */
  private readonly singleConnection: boolean;

  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {
    const options = db.options as { poolSize?: number; extra?: { max?: number } };
    const poolSize = options.poolSize ?? options.extra?.max ?? DEFAULT_POOL_SIZE;
    this.transactions = new Semaphore(Math.max(1, Math.floor(poolSize / 2)));
    this.singleConnection = poolSize < 2;
  }

  /**
   * Runs `run` in a transaction that first records the handler as dispatched for the event, and
   * returns true; returns false without running it when its record already exists (it succeeded
   * before). The record commits with the run, so it exists only if the run succeeded: a run that
   * throws rolls it back and the next delivery runs the handler again. A concurrent delivery
   * (another instance, a WeChat retry) waits on the record's key until this one ends, then
   * either finds it or runs the handler itself.
   *
   * On a one-connection pool no transaction is held: the record is looked up, the handler runs
   * (its `manager` writes commit on their own) and the record is written after it returned. A
   * handler may then run twice if its success could not be recorded, or if two deliveries
   * overlap in the one instance such a database allows.
   */
  async runOnce(
    eventId: string,
    handler: string,
    run: (m: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    if (this.singleConnection) return this.runThenRecord(eventId, handler, run);
    return this.transactions.run(() => this.recordAndRun(eventId, handler, run));
  }

  private async runThenRecord(
    eventId: string,
    handler: string,
    run: (m: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    const done = await this.db.getRepository(EventDispatchEntity).existsBy({ eventId, handler });
    if (done) return false;
    await run(this.db.manager);
    await this.db
      .createQueryBuilder()
      .insert()
      .into(EventDispatchEntity)
      .values({ eventId, handler, critical: true })
      .orIgnore()
      .execute();
    return true;
  }

  private recordAndRun(
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
