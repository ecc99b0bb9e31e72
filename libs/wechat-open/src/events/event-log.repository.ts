import { Injectable } from '@nestjs/common';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { DataSource } from 'typeorm';

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

@Injectable()
export class EventLogRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  /** Appends the event; returns false when the same push was already stored (a WeChat retry). */
  async appendOnce(row: NewEventLogRow): Promise<boolean> {
    // Raw SQL: ON CONFLICT on the dedupe key alone (TypeORM's orIgnore cannot name a key).
    const inserted = await this.db.query<unknown[]>(
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
    return inserted.length === 1;
  }
}
