import { Injectable } from '@nestjs/common';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { DataSource, In } from 'typeorm';
import { EventLogEntity } from './event-log.entity.js';

export interface NewEventLogRow {
  componentAppid: string;
  infoType: string;
  authorizerAppid: string | null;
  createTime: Date;
  dedupeKey: string;
  payload: Record<string, unknown>;
  receivedAt: Date;
  disposition: 'applied' | 'ignored';
  note: string | null;
}

/** A stored push without its payload: what may be shown to anyone who may see the account. */
export interface EventLogSummary {
  id: string;
  infoType: string;
  createTime: Date;
  receivedAt: Date;
  disposition: 'applied' | 'ignored';
  note: string | null;
}

/** A stored push with its (redacted) payload, for a replay. */
export interface StoredEvent extends EventLogSummary {
  componentAppid: string;
  authorizerAppid: string | null;
  payload: Record<string, unknown>;
}

/** The largest bigint: a longer id cannot be one. */
const MAX_ID = 9_223_372_036_854_775_807n;

/** wechat_event_log: appended to once per push, read by the admin pages and replays. */
@Injectable()
export class EventLogRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  /**
   * Appends the event once: returns its row id, and whether it was stored now (false: the same
   * push was already stored, a WeChat retry; the id is the stored row's).
   */
  async appendOnce(row: NewEventLogRow): Promise<{ id: string; inserted: boolean }> {
    // Raw SQL: ON CONFLICT on the dedupe key alone (TypeORM's orIgnore cannot name a key).
    const inserted = await this.db.query<{ id: string }[]>(
      `INSERT INTO wechat_event_log
         (component_appid, info_type, authorizer_appid, create_time, dedupe_key, payload, received_at,
          disposition, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [
        row.componentAppid,
        row.infoType,
        row.authorizerAppid,
        row.createTime,
        row.dedupeKey,
        JSON.stringify(row.payload),
        row.receivedAt,
        row.disposition,
        row.note,
      ],
    );
    if (inserted.length === 1) return { id: String(inserted[0].id), inserted: true };
    // Read after the insert, not in its statement: the row that conflicted may have been
    // committed after that statement's snapshot was taken.
    const stored = await this.db
      .getRepository(EventLogEntity)
      .findOneOrFail({ select: { id: true }, where: { dedupeKey: row.dedupeKey } });
    return { id: String(stored.id), inserted: false };
  }

  /** The account's pushes of these InfoTypes, newest first, without their payloads. */
  async forAccount(
    componentAppid: string,
    authorizerAppid: string,
    infoTypes: string[],
    limit: number,
  ): Promise<EventLogSummary[]> {
    const rows = await this.db.getRepository(EventLogEntity).find({
      select: {
        id: true,
        infoType: true,
        createTime: true,
        receivedAt: true,
        disposition: true,
        note: true,
      },
      where: { componentAppid, authorizerAppid, infoType: In(infoTypes) },
      order: { receivedAt: 'DESC', id: 'DESC' },
      take: limit,
    });
    return rows.map((r) => ({
      id: String(r.id),
      infoType: r.infoType,
      createTime: r.createTime,
      receivedAt: r.receivedAt,
      disposition: r.disposition,
      note: r.note ?? null,
    }));
  }

  /** The component's push with this id, or null (also for an id that is not a positive bigint). */
  async find(componentAppid: string, id: string): Promise<StoredEvent | null> {
    if (!/^[1-9][0-9]{0,18}$/.test(id) || BigInt(id) > MAX_ID) return null;
    const r = await this.db.getRepository(EventLogEntity).findOneBy({ componentAppid, id });
    if (!r) return null;
    return {
      id: String(r.id),
      componentAppid: r.componentAppid,
      authorizerAppid: r.authorizerAppid ?? null,
      infoType: r.infoType,
      createTime: r.createTime,
      receivedAt: r.receivedAt,
      disposition: r.disposition,
      note: r.note ?? null,
      payload: r.payload,
    };
  }
}
