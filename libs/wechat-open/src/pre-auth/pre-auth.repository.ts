import { Injectable } from '@nestjs/common';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { DataSource } from 'typeorm';
import { returnedRows } from '../core/sql.js';
import { AuthType, LinkKind } from './authorization-link.js';

export interface PreAuthSession {
  id: string;
  componentAppid: string;
  tenantId: string;
  linkKind: LinkKind;
  authType: AuthType;
  bizAppid: string | null;
  categoryIdList: number[] | null;
  returnUrl: string;
  createdAt: Date;
  expiresAt: Date;
  openedAt: Date | null;
  consumedAt: Date | null;
  authorizerAppid: string | null;
  outcome: string | null;
}

type Row = Record<string, unknown>;

const toSession = (r: Row): PreAuthSession => ({
  id: String(r.id),
  componentAppid: String(r.component_appid),
  tenantId: String(r.tenant_id),
  linkKind: r.link_kind as LinkKind,
  authType: Number(r.auth_type) as AuthType,
  bizAppid: (r.biz_appid as string | null) ?? null,
  categoryIdList: (r.category_id_list as number[] | null) ?? null,
  returnUrl: String(r.return_url),
  createdAt: r.created_at as Date,
  expiresAt: r.expires_at as Date,
  openedAt: (r.opened_at as Date | null) ?? null,
  consumedAt: (r.consumed_at as Date | null) ?? null,
  authorizerAppid: (r.authorizer_appid as string | null) ?? null,
  outcome: (r.outcome as string | null) ?? null,
});

/** pre_auth_session. */
@Injectable()
export class PreAuthRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  async create(
    s: Omit<PreAuthSession, 'openedAt' | 'consumedAt' | 'authorizerAppid' | 'outcome'>,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO pre_auth_session (id, component_appid, tenant_id, link_kind, auth_type, biz_appid, category_id_list,
                                     return_url, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        s.id,
        s.componentAppid,
        s.tenantId,
        s.linkKind,
        s.authType,
        s.bizAppid,
        s.categoryIdList,
        s.returnUrl,
        s.createdAt,
        s.expiresAt,
      ],
    );
  }

  async find(id: string): Promise<PreAuthSession | null> {
    const rows = await this.db.query<Row[]>(`SELECT * FROM pre_auth_session WHERE id = $1`, [id]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async findByPreAuthCodeHash(hash: string): Promise<PreAuthSession | null> {
    const rows = await this.db.query<Row[]>(
      `SELECT * FROM pre_auth_session WHERE pre_auth_code_hash = $1`,
      [hash],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  async markOpened(id: string, preAuthCodeHash: string, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE pre_auth_session SET pre_auth_code_hash = $2, opened_at = $3 WHERE id = $1 AND consumed_at IS NULL`,
      [id, preAuthCodeHash, now],
    );
  }

  /** Consumes the session once; false when it was already consumed. */
  async consume(
    id: string,
    now: Date,
    authorizerAppid: string | null,
    outcome: string,
  ): Promise<boolean> {
    const rows = await this.db.query<unknown>(
      `UPDATE pre_auth_session SET consumed_at = $2, authorizer_appid = $3, outcome = $4
        WHERE id = $1 AND consumed_at IS NULL RETURNING id`,
      [id, now, authorizerAppid, outcome],
    );
    return returnedRows(rows).length === 1;
  }
}
