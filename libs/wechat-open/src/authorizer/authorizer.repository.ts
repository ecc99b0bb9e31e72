import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, EntityManager } from 'typeorm';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { returnedRows } from '../core/sql.js';
import { CheckedSearch, SearchPosition } from './authorizer-search.js';
import { TOKEN_CHANNEL } from './authorizer-token.repository.js';
import {
  AuthorizerEntity,
  AuthorizerHistoryEntity,
  AuthorizerRefreshLogEntity,
} from './authorizer.entities.js';
import {
  AuthorizerProfile,
  AuthorizerRecord,
  AuthorizerSortKey,
  AuthorizerStatus,
  ChangeCause,
  RefreshLogView,
} from './authorizer.types.js';

/**
 * Each sort key: its column, how its value is printed for a cursor (timestamps in UTC to the
 * microsecond, which a JS Date would round) and the type it is read back as.
 */
const SORT_COLUMNS: Record<AuthorizerSortKey, { property: string; key: string; type: string }> = {
  authorizedAt: {
    property: 'a.authorizedAt',
    key: `to_char(a.authorized_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    type: 'timestamptz',
  },
  updatedAt: {
    property: 'a.updatedAt',
    key: `to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    type: 'timestamptz',
  },
  nickName: { property: 'a.nickName', key: 'a.nick_name', type: 'text' },
};

function toRecord(e: AuthorizerEntity): AuthorizerRecord {
  const n = (v: number | string | null | undefined) =>
    v === null || v === undefined ? null : Number(v);
  return {
    componentAppid: e.componentAppid,
    authorizerAppid: e.authorizerAppid,
    tenantId: e.tenantId ?? null,
    status: e.status as AuthorizerStatus,
    accountKind: (e.accountKind ?? null) as AuthorizerRecord['accountKind'],
    nickName: e.nickName ?? null,
    userName: e.userName ?? null,
    alias: e.alias ?? null,
    principalName: e.principalName ?? null,
    signature: e.signature ?? null,
    serviceType: n(e.serviceType),
    verifyType: n(e.verifyType),
    accountStatus: n(e.accountStatus),
    headImg: e.headImg ?? null,
    qrcodeUrl: e.qrcodeUrl ?? null,
    funcInfo: (e.funcInfo ?? []).map(Number),
    authorizedAt: e.authorizedAt ?? null,
    updatedAt: e.updatedAt,
    revokedAt: e.revokedAt ?? null,
    profileRefreshedAt: e.profileRefreshedAt ?? null,
  };
}

/** The record's columns (the profile backoff and state_event_at have writers of their own). */
function toColumns(r: AuthorizerRecord): Partial<AuthorizerEntity> {
  return {
    componentAppid: r.componentAppid,
    authorizerAppid: r.authorizerAppid,
    tenantId: r.tenantId,
    status: r.status,
    accountKind: r.accountKind,
    nickName: r.nickName,
    userName: r.userName,
    alias: r.alias,
    principalName: r.principalName,
    signature: r.signature,
    serviceType: r.serviceType,
    verifyType: r.verifyType,
    accountStatus: r.accountStatus,
    headImg: r.headImg,
    qrcodeUrl: r.qrcodeUrl,
    funcInfo: r.funcInfo,
    authorizedAt: r.authorizedAt,
    updatedAt: r.updatedAt,
    revokedAt: r.revokedAt,
    profileRefreshedAt: r.profileRefreshedAt,
  };
}

export interface HistoryEntry {
  componentAppid: string;
  authorizerAppid: string;
  tenantId: string | null;
  action: string;
  changes: Record<string, { from: unknown; to: unknown }>;
  cause: ChangeCause;
  actor: string;
  at: Date;
  /** Why nothing changed (action `push_ignored`: an older push that would undo a newer change). */
  note?: string;
}

/** The NOTIFY payload's last word when a record (not a token) changed. */
export const RECORD_CHANGED = 'record';
/** Records kept in memory for the message path at most (the oldest go first). */
const CACHE_MAX = 10_000;
/** A cached record is re-read after this long, NOTIFY or not. */
const CACHE_TTL_MS = 60_000;

interface CachedRecord {
  record: AuthorizerRecord | null;
  at: number;
}

/** The registry tables: authorizer and its append-only authorizer_history. */
@Injectable()
export class AuthorizerRepository {
  /**
   * Records read through `findCached` (the message path), kept only while LISTEN holds: every
   * change of a record (save, profile) or of its tokens is announced by NOTIFY on commit, which
   * drops the copy on every instance. A read that a NOTIFY overtook is not kept (`pending`).
   */
  private readonly cache = new Map<string, CachedRecord>();
  private readonly pending = new Map<string, object>();
  private cacheOn = false;

  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  /**
   * The record, from memory while NOTIFY keeps this instance informed (else as `find`). For hot
   * read paths that may act on a record up to the moment its change's NOTIFY arrives.
   */
  async findCached(
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<AuthorizerRecord | null> {
    if (!this.cacheOn) return this.find(componentAppid, authorizerAppid);
    const id = `${componentAppid}\n${authorizerAppid}`;
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && now - hit.at < CACHE_TTL_MS) return hit.record;
    const marker = {};
    this.pending.set(id, marker);
    let record: AuthorizerRecord | null;
    try {
      record = await this.find(componentAppid, authorizerAppid);
    } catch (error) {
      if (this.pending.get(id) === marker) this.pending.delete(id);
      throw error;
    }
    if (this.pending.get(id) === marker) {
      this.pending.delete(id);
      this.cache.delete(id);
      if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(id, { record, at: now });
    }
    return record;
  }

  /** Drops the in-memory copy of a record (its change was announced). */
  forgetCached(componentAppid: string, authorizerAppid: string): void {
    const id = `${componentAppid}\n${authorizerAppid}`;
    this.cache.delete(id);
    this.pending.delete(id);
  }

  /**
   * Whether changes are announced to this instance (LISTEN holds): records are cached only then;
   * either way every copy is dropped (changes may have been missed).
   */
  setCaching(on: boolean): void {
    this.cacheOn = on;
    this.cache.clear();
    this.pending.clear();
  }

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** `m`: read inside the caller's transaction, the row locked (FOR UPDATE) until it ends. */
  async find(
    componentAppid: string,
    authorizerAppid: string,
    m?: EntityManager,
  ): Promise<AuthorizerRecord | null> {
    const query = (m ?? this.db)
      .getRepository(AuthorizerEntity)
      .createQueryBuilder('a')
      .where('a.componentAppid = :componentAppid AND a.authorizerAppid = :authorizerAppid', {
        componentAppid,
        authorizerAppid,
      });
    if (m) query.setLock('pessimistic_write');
    const row = await query.getOne();
    return row ? toRecord(row) : null;
  }

  /** Every record of an account appid, whatever the component. */
  async findByAppid(authorizerAppid: string): Promise<AuthorizerRecord[]> {
    const rows = await this.db.getRepository(AuthorizerEntity).findBy({ authorizerAppid });
    return rows.map(toRecord);
  }

  async listByTenant(tenantId: string, componentAppid?: string): Promise<AuthorizerRecord[]> {
    const rows = await this.db.getRepository(AuthorizerEntity).find({
      where: componentAppid ? { tenantId, componentAppid } : { tenantId },
      order: { authorizedAt: { direction: 'DESC', nulls: 'LAST' } },
    });
    return rows.map(toRecord);
  }

  /**
   * One page of a search and the number of all matches. Keyset pagination on (sort value,
   * component_appid, authorizer_appid), all three the same way, NULLs where PostgreSQL puts them
   * (last ascending, first descending): the sort indexes serve both orders. Returns up to
   * `limit + 1` rows, the last one telling that there is a next page, each with its position.
   */
  async search(
    q: CheckedSearch,
  ): Promise<{ rows: { record: AuthorizerRecord; position: SearchPosition }[]; total: number }> {
    const filtered = this.db.getRepository(AuthorizerEntity).createQueryBuilder('a');
    if (q.tenantId !== undefined)
      filtered.andWhere('a.tenantId = :tenantId', { tenantId: q.tenantId });
    if (q.componentAppid !== undefined)
      filtered.andWhere('a.componentAppid = :componentAppid', {
        componentAppid: q.componentAppid,
      });
    if (q.statuses) filtered.andWhere('a.status IN (:...statuses)', { statuses: q.statuses });
    if (q.accountKind !== undefined)
      filtered.andWhere('a.accountKind = :accountKind', { accountKind: q.accountKind });
    if (q.permissionSetId !== undefined)
      filtered.andWhere('a.funcInfo @> ARRAY[CAST(:permissionSetId AS integer)]', {
        permissionSetId: q.permissionSetId,
      });
    if (q.textPattern !== undefined) {
      const like = (column: string) => `${column} ILIKE :textPattern ESCAPE '\\'`;
      const params = { textPattern: q.textPattern };
      filtered.andWhere(
        new Brackets((w) =>
          w
            .where(like('a.nickName'), params)
            .orWhere(like('a.principalName'), params)
            .orWhere(like('a.authorizerAppid'), params),
        ),
      );
    }
    const total = await filtered.getCount();
    const col = SORT_COLUMNS[q.sort];
    const page = filtered.clone();
    if (q.after) page.andWhere(afterPosition(col.property, col.type, q.order, q.after));
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const { entities, raw } = await page
      .addSelect(col.key, 'sort_key')
      .orderBy(col.property, dir, dir === 'ASC' ? 'NULLS LAST' : 'NULLS FIRST')
      .addOrderBy('a.componentAppid', dir)
      .addOrderBy('a.authorizerAppid', dir)
      .limit(q.limit + 1)
      .getRawAndEntities<{
        a_component_appid: string;
        a_authorizer_appid: string;
        sort_key: string | null;
      }>();
    const keys = new Map(
      raw.map((r) => [`${r.a_component_appid}/${r.a_authorizer_appid}`, r.sort_key]),
    );
    return {
      total,
      rows: entities.map((e) => ({
        record: toRecord(e),
        position: {
          key: keys.get(`${e.componentAppid}/${e.authorizerAppid}`) ?? null,
          componentAppid: e.componentAppid,
          authorizerAppid: e.authorizerAppid,
        },
      })),
    };
  }

  /** The account's refresh attempts, newest first: times, outcomes, never a token. */
  async refreshLog(
    componentAppid: string,
    authorizerAppid: string,
    limit: number,
  ): Promise<RefreshLogView[]> {
    const rows = await this.db.getRepository(AuthorizerRefreshLogEntity).find({
      select: {
        id: true,
        instance: true,
        trigger: true,
        result: true,
        errcode: true,
        durationMs: true,
        at: true,
      },
      where: { componentAppid, authorizerAppid },
      order: { at: 'DESC', id: 'DESC' },
      take: limit,
    });
    return rows.map((r) => ({
      at: r.at,
      trigger: r.trigger,
      result: r.result,
      errcode: r.errcode ?? null,
      durationMs: Number(r.durationMs),
      instance: r.instance,
    }));
  }

  /** Inserts or replaces the record (inside the caller's transaction); announced on commit. */
  async save(m: EntityManager, r: AuthorizerRecord): Promise<void> {
    await m
      .getRepository(AuthorizerEntity)
      .upsert(toColumns(r), ['componentAppid', 'authorizerAppid']);
    this.forgetCached(r.componentAppid, r.authorizerAppid);
    await this.announce(m, r.componentAppid, r.authorizerAppid);
  }

  /** Tells every instance (this one included) that the record changed, on commit. */
  private async announce(
    m: EntityManager | undefined,
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<void> {
    // Raw SQL: NOTIFY has no TypeORM form.
    await (m ?? this.db).query(`SELECT pg_notify($1, $2)`, [
      TOKEN_CHANNEL,
      `${componentAppid} ${authorizerAppid} ${RECORD_CHANGED}`,
    ]);
  }

  async appendHistory(m: EntityManager | undefined, e: HistoryEntry): Promise<void> {
    await (m ?? this.db).getRepository(AuthorizerHistoryEntity).insert({
      componentAppid: e.componentAppid,
      authorizerAppid: e.authorizerAppid,
      tenantId: e.tenantId,
      action: e.action,
      changes: e.changes,
      cause: e.cause,
      actor: e.actor,
      at: e.at,
      note: e.note ?? null,
    });
  }

  async history(
    componentAppid: string,
    authorizerAppid: string,
    limit = 100,
  ): Promise<HistoryEntry[]> {
    const rows = await this.db.getRepository(AuthorizerHistoryEntity).find({
      where: { componentAppid, authorizerAppid },
      order: { at: 'DESC', id: 'DESC' },
      take: limit,
    });
    return rows.map((r) => ({
      componentAppid: r.componentAppid,
      authorizerAppid: r.authorizerAppid,
      tenantId: r.tenantId ?? null,
      action: r.action,
      changes: r.changes as HistoryEntry['changes'],
      cause: r.cause as ChangeCause,
      actor: r.actor,
      at: r.at,
      ...(typeof r.note === 'string' ? { note: r.note } : {}),
    }));
  }

  /** When the account's last authorization state change happened, or null (unknown account). */
  async stateEventAt(componentAppid: string, authorizerAppid: string): Promise<Date | null> {
    const row = await this.db.getRepository(AuthorizerEntity).findOne({
      select: { componentAppid: true, authorizerAppid: true, stateEventAt: true },
      where: { componentAppid, authorizerAppid },
    });
    return row?.stateEventAt ?? null;
  }

  /**
   * Records a state change that happened at `at` (inside the caller's transaction, after the row
   * was locked). With `onlyIfNewer`, a change older than the one recorded is refused: returns
   * false and the caller must not apply it. Without, the later of the two times is kept.
   */
  async advanceStateEvent(
    m: EntityManager,
    componentAppid: string,
    authorizerAppid: string,
    at: Date,
    onlyIfNewer: boolean,
  ): Promise<boolean> {
    // Raw SQL: compare-and-set on the stored time (GREATEST, conditional) that says if it applied.
    const rows = await m.query<unknown>(
      `UPDATE authorizer SET state_event_at = GREATEST(COALESCE(state_event_at, $3), $3)
        WHERE component_appid = $1 AND authorizer_appid = $2
          AND (NOT $4 OR state_event_at IS NULL OR state_event_at <= $3)
        RETURNING 1`,
      [componentAppid, authorizerAppid, at, onlyIfNewer],
    );
    return returnedRows(rows).length === 1;
  }

  /**
   * Accounts whose profile is older than `before`, oldest first, except those backing off after
   * failed fetches (`profile_retry_at` after `now`), with their failures in a row.
   */
  async profileDue(
    before: Date,
    now: Date,
    limit: number,
  ): Promise<{ componentAppid: string; authorizerAppid: string; failureCount: number }[]> {
    const rows = await this.db
      .getRepository(AuthorizerEntity)
      .createQueryBuilder('a')
      .select(['a.componentAppid', 'a.authorizerAppid', 'a.profileFailureCount'])
      .where(`a.status = 'authorized'`)
      .andWhere('(a.profileRefreshedAt IS NULL OR a.profileRefreshedAt < :before)', { before })
      .andWhere('(a.profileRetryAt IS NULL OR a.profileRetryAt <= :now)', { now })
      .orderBy('a.profileRefreshedAt', 'ASC', 'NULLS FIRST')
      .limit(limit)
      .getMany();
    return rows.map((r) => ({
      componentAppid: r.componentAppid,
      authorizerAppid: r.authorizerAppid,
      failureCount: Number(r.profileFailureCount),
    }));
  }

  /** Records a failed profile fetch: no scheduled fetch of this account before `retryAt`. */
  async saveProfileFailure(
    componentAppid: string,
    authorizerAppid: string,
    retryAt: Date,
  ): Promise<void> {
    await this.db
      .getRepository(AuthorizerEntity)
      .createQueryBuilder()
      .update()
      .set({ profileFailureCount: () => 'profile_failure_count + 1', profileRetryAt: retryAt })
      .where({ componentAppid, authorizerAppid })
      .execute();
  }

  async saveProfile(
    componentAppid: string,
    authorizerAppid: string,
    p: AuthorizerProfile,
    at: Date,
  ): Promise<void> {
    await this.db.getRepository(AuthorizerEntity).update(
      { componentAppid, authorizerAppid },
      {
        accountKind: p.accountKind,
        nickName: p.nickName,
        userName: p.userName,
        alias: p.alias,
        principalName: p.principalName,
        signature: p.signature,
        serviceType: p.serviceType,
        verifyType: p.verifyType,
        accountStatus: p.accountStatus,
        headImg: p.headImg,
        qrcodeUrl: p.qrcodeUrl,
        profileRefreshedAt: at,
        profileFailureCount: 0,
        profileRetryAt: null,
      },
    );
    this.forgetCached(componentAppid, authorizerAppid);
    await this.announce(undefined, componentAppid, authorizerAppid);
  }
}

/**
 * The rows after `p` in the order (sort value, component, account), all ascending or all
 * descending; a NULL sort value is above every other (PostgreSQL's order). Row comparisons, so
 * that the sort index bounds the scan.
 */
function afterPosition(
  column: string,
  type: string,
  order: 'asc' | 'desc',
  p: SearchPosition,
): Brackets {
  const op = order === 'asc' ? '>' : '<';
  const params = {
    afterKey: p.key,
    afterComponent: p.componentAppid,
    afterAccount: p.authorizerAppid,
  };
  const tail = `(a.componentAppid, a.authorizerAppid) ${op} (:afterComponent, :afterAccount)`;
  const full = `(${column}, a.componentAppid, a.authorizerAppid) ${op} (CAST(:afterKey AS ${type}), :afterComponent, :afterAccount)`;
  return new Brackets((w) => {
    if (p.key === null) {
      // Among the NULLs: ascending they come last (nothing after them), descending first.
      w.where(`${column} IS NULL AND ${tail}`, params);
      if (order === 'desc') w.orWhere(`${column} IS NOT NULL`);
    } else {
      // The row comparison is NULL for a NULL value: those come after every value ascending.
      w.where(full, params);
      if (order === 'asc') w.orWhere(`${column} IS NULL`);
    }
  });
}
