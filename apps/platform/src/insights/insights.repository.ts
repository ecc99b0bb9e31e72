import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** Whose numbers: one tenant's accounts, or (undefined) every account. */
export type TenantScope = string | undefined;

export interface RefreshBucketRow {
  bucket: number;
  ok: number;
  failed: number;
}

export interface StoredPushRow {
  id: string;
  componentAppid: string;
  infoType: string;
  authorizerAppid: string | null;
  createTime: Date;
  receivedAt: Date;
  disposition: 'applied' | 'ignored';
  note: string | null;
  payload: unknown;
}

export interface PushPageQuery {
  tenantId: TenantScope;
  componentAppid?: string;
  infoType?: string;
  beforeId?: string;
  limit: number;
}

/**
 * The console's read-only numbers over the library's tables (written only by the library; read
 * here as /metrics reads them). A tenant's numbers come from its accounts only: every query joins
 * `authorizer` on the account and keeps the tenant's rows.
 */
@Injectable()
export class InsightsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Refresh attempts per hour since `since` (bucket 0 starts there); ok and failed. */
  async refreshBuckets(
    tenantId: TenantScope,
    since: Date,
    until: Date,
  ): Promise<RefreshBucketRow[]> {
    const rows = await this.scoped(
      this.db.createQueryBuilder().from('authorizer_refresh_log', 'l'),
      'l',
      tenantId,
    )
      .select(`floor(extract(epoch from (l.at - :since::timestamptz)) / 3600)::int`, 'bucket')
      .addSelect(`count(*) FILTER (WHERE l.result = 'ok')::int`, 'ok')
      .addSelect(`count(*) FILTER (WHERE l.result NOT IN ('ok', 'stale'))::int`, 'failed')
      .andWhere('l.at >= :since AND l.at <= :until', { since, until })
      .groupBy('1')
      .getRawMany<{ bucket: number; ok: number; failed: number }>();
    return rows.map((r) => ({
      bucket: Number(r.bucket),
      ok: Number(r.ok),
      failed: Number(r.failed),
    }));
  }

  /** WeChat's errcodes of the refreshes in the window, most frequent first. */
  async refreshErrcodes(
    tenantId: TenantScope,
    since: Date,
    until: Date,
  ): Promise<{ errcode: number; count: number }[]> {
    const rows = await this.scoped(
      this.db.createQueryBuilder().from('authorizer_refresh_log', 'l'),
      'l',
      tenantId,
    )
      .select('l.errcode', 'errcode')
      .addSelect('count(*)::int', 'count')
      .andWhere('l.at >= :since AND l.at <= :until', { since, until })
      .andWhere('l.errcode IS NOT NULL')
      .groupBy('l.errcode')
      .orderBy('count', 'DESC')
      .addOrderBy('l.errcode', 'ASC')
      .getRawMany<{ errcode: number; count: number }>();
    return rows.map((r) => ({ errcode: Number(r.errcode), count: Number(r.count) }));
  }

  /**
   * Accounts not revoked or detached, by the seconds their access token has left at `now`:
   * counts per bucket of `bounds` (ascending, in seconds). Bucket 0: expired, or no token at all;
   * bucket i: under bounds[i - 1] seconds... the last one: at least the last bound.
   */
  async tokenExpiry(
    tenantId: TenantScope,
    now: Date,
    bounds: readonly number[],
  ): Promise<number[]> {
    const cases = bounds
      .map(
        (b, i) => `WHEN t.expires_at < :now::timestamptz + interval '${b} seconds' THEN ${i + 1}`,
      )
      .join(' ');
    const qb = this.db
      .createQueryBuilder()
      .from('authorizer', 'a')
      .leftJoin(
        'authorizer_token',
        't',
        't.component_appid = a.component_appid AND t.authorizer_appid = a.authorizer_appid',
      )
      .select(
        `CASE WHEN t.access_token_ciphertext IS NULL OR t.expires_at IS NULL
                   OR t.expires_at <= :now THEN 0 ${cases} ELSE ${bounds.length + 1} END`,
        'bucket',
      )
      .addSelect('count(*)::int', 'count')
      .where(`a.status NOT IN ('revoked', 'detached')`)
      .setParameter('now', now)
      .groupBy('1');
    if (tenantId !== undefined) qb.andWhere('a.tenant_id = :tenantId', { tenantId });
    const rows = await qb.getRawMany<{ bucket: number; count: number }>();
    const counts: number[] = new Array<number>(bounds.length + 2).fill(0);
    for (const r of rows) counts[Number(r.bucket)] = Number(r.count);
    return counts;
  }

  /** Accounts by status. */
  async accountsByStatus(tenantId: TenantScope): Promise<{ status: string; count: number }[]> {
    const qb = this.db
      .createQueryBuilder()
      .from('authorizer', 'a')
      .select('a.status', 'status')
      .addSelect('count(*)::int', 'count')
      .groupBy('a.status');
    if (tenantId !== undefined) qb.where('a.tenant_id = :tenantId', { tenantId });
    const rows = await qb.getRawMany<{ status: string; count: number }>();
    return rows.map((r) => ({ status: String(r.status), count: Number(r.count) }));
  }

  /** Webhook deliveries queued now, and those that gave up (dead) since `since`. */
  async deliveryTally(
    tenantId: TenantScope,
    since: Date,
  ): Promise<{ queued: number; failed: number }> {
    const qb = this.db
      .createQueryBuilder()
      .from('webhook_delivery', 'd')
      .select(`count(*) FILTER (WHERE d.status IN ('pending', 'delivering'))::int`, 'queued')
      .addSelect(
        `count(*) FILTER (WHERE d.status = 'dead' AND d.updated_at >= :since)::int`,
        'failed',
      )
      .setParameter('since', since);
    if (tenantId !== undefined) {
      qb.innerJoin('webhook_endpoint', 'w', 'w.id = d.endpoint_id').where(
        'w.tenant_id = :tenantId',
        {
          tenantId,
        },
      );
    }
    const row = await qb.getRawOne<{ queued: number; failed: number }>();
    return { queued: Number(row?.queued ?? 0), failed: Number(row?.failed ?? 0) };
  }

  /**
   * Stored pushes newest first (by id). A tenant sees only the pushes about its accounts (so
   * never a component_verify_ticket push, which concerns no account).
   */
  async pushes(q: PushPageQuery): Promise<StoredPushRow[]> {
    const qb = this.scoped(
      this.db.createQueryBuilder().from('wechat_event_log', 'e'),
      'e',
      q.tenantId,
    )
      .select('e.id::text', 'id')
      .addSelect('e.component_appid', 'componentAppid')
      .addSelect('e.info_type', 'infoType')
      .addSelect('e.authorizer_appid', 'authorizerAppid')
      .addSelect('e.create_time', 'createTime')
      .addSelect('e.received_at', 'receivedAt')
      .addSelect('e.disposition', 'disposition')
      .addSelect('e.note', 'note')
      .addSelect('e.payload', 'payload')
      .orderBy('e.id', 'DESC')
      .limit(q.limit);
    if (q.componentAppid !== undefined) {
      qb.andWhere('e.component_appid = :componentAppid', { componentAppid: q.componentAppid });
    }
    if (q.infoType !== undefined) qb.andWhere('e.info_type = :infoType', { infoType: q.infoType });
    if (q.beforeId !== undefined) qb.andWhere('e.id < :beforeId', { beforeId: q.beforeId });
    const rows = await qb.getRawMany<StoredPushRow>();
    return rows.map((r) => ({
      ...r,
      note: r.note ?? null,
      authorizerAppid: r.authorizerAppid ?? null,
    }));
  }

  /** Pushes received since `since` by InfoType, most frequent first. */
  async pushCounts(
    tenantId: TenantScope,
    since: Date,
    componentAppid?: string,
  ): Promise<{ infoType: string; count: number }[]> {
    const qb = this.scoped(
      this.db.createQueryBuilder().from('wechat_event_log', 'e'),
      'e',
      tenantId,
    )
      .select('e.info_type', 'infoType')
      .addSelect('count(*)::int', 'count')
      .andWhere('e.received_at >= :since', { since })
      .groupBy('e.info_type')
      .orderBy('count', 'DESC')
      .addOrderBy('e.info_type', 'ASC');
    if (componentAppid !== undefined) {
      qb.andWhere('e.component_appid = :componentAppid', { componentAppid });
    }
    const rows = await qb.getRawMany<{ infoType: string; count: number }>();
    return rows.map((r) => ({ infoType: String(r.infoType), count: Number(r.count) }));
  }

  /**
   * Messages the message URL claimed since `since` by type, most frequent first (claims are
   * pruned after a day, so a longer window would undercount).
   */
  async messageCounts(
    tenantId: TenantScope,
    since: Date,
    componentAppid?: string,
  ): Promise<{ msgType: string; count: number }[]> {
    const qb = this.scoped(
      this.db.createQueryBuilder().from('wechat_message_dedupe', 'm'),
      'm',
      tenantId,
    )
      .select(`coalesce(m.msg_type, 'unknown')`, 'msgType')
      .addSelect('count(*)::int', 'count')
      .andWhere('m.claimed_at >= :since', { since })
      .groupBy('1')
      .orderBy('count', 'DESC')
      .addOrderBy('1', 'ASC');
    if (componentAppid !== undefined) {
      qb.andWhere('m.component_appid = :componentAppid', { componentAppid });
    }
    const rows = await qb.getRawMany<{ msgType: string; count: number }>();
    return rows.map((r) => ({ msgType: String(r.msgType), count: Number(r.count) }));
  }

  /**
   * Keeps the rows of `alias` (a table with component_appid and authorizer_appid) whose account
   * belongs to the tenant; every row when the scope is all tenants.
   */
  private scoped(
    qb: SelectQueryBuilder<ObjectLiteral>,
    alias: string,
    tenantId: TenantScope,
  ): SelectQueryBuilder<ObjectLiteral> {
    if (tenantId === undefined) return qb.where('TRUE');
    return qb
      .innerJoin(
        'authorizer',
        'owner',
        `owner.component_appid = ${alias}.component_appid AND owner.authorizer_appid = ${alias}.authorizer_appid`,
      )
      .where('owner.tenant_id = :tenantId', { tenantId });
  }
}
