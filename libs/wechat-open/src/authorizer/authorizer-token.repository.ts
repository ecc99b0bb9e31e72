import { Injectable } from '@nestjs/common';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { DataSource, EntityManager, IsNull, LessThan, Not, Or } from 'typeorm';
import { returnedRows } from '../core/sql.js';
import {
  AuthorizerEntity,
  AuthorizerRefreshLogEntity,
  AuthorizerTokenEntity,
} from './authorizer.entities.js';
import { AuthorizerStatus, AuthorizerTokenHealth } from './authorizer.types.js';

type Row = Record<string, unknown>;

/** The channel every token change is announced on (NOTIFY); the listener LISTENs on it. */
export const TOKEN_CHANNEL = 'wechat_open_authorizer_token';

/** What a claim returns of the claimed row (RETURNING). */
const CLAIMED_COLUMNS = [
  'componentAppid',
  'authorizerAppid',
  'refreshTokenCiphertext',
  'version',
  'failureCount',
  'expiresAt',
  'refreshedAt',
];

/** A token row with its account status, as read on the hot path. */
export interface StoredAuthorizerToken {
  componentAppid: string;
  authorizerAppid: string;
  status: AuthorizerStatus;
  accessTokenCiphertext: string | null;
  refreshTokenCiphertext: string | null;
  expiresAt: Date | null;
  /** When the stored token was issued (its lifetime is expiresAt − refreshedAt). */
  refreshedAt: Date | null;
  /** The planned refresh, or the next try after failures (a pause or a backoff). */
  nextRefreshAt: Date | null;
  /** Failed refreshes in a row; with nextRefreshAt in the future: backing off. */
  failureCount: number;
  lastErrcode: number | null;
  version: number;
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

/** A row claimed for refreshing: the lease is ours until `leaseUntil`. */
export interface ClaimedToken {
  componentAppid: string;
  authorizerAppid: string;
  refreshTokenCiphertext: string | null;
  version: number;
  failureCount: number;
  /** The stored token's expiry and issue time, if there is one (for its lifetime). */
  expiresAt: Date | null;
  refreshedAt: Date | null;
}

/** Which token a lease is on. */
export interface TokenKey {
  componentAppid: string;
  authorizerAppid: string;
}

export interface NewTokens {
  accessTokenCiphertext: string;
  refreshTokenCiphertext: string;
  expiresAt: Date;
  nextRefreshAt: Date;
}

/** One refreshed token to write back (see saveRefreshedBatch). */
export interface RefreshedToken extends NewTokens {
  componentAppid: string;
  authorizerAppid: string;
  /** The version that was claimed: the write is dropped if the row moved on. */
  version: number;
  trigger: RefreshLogEntry['trigger'];
  durationMs: number;
  at: Date;
}

export interface RefreshLogEntry {
  instance: string;
  trigger: 'schedule' | 'demand' | 'invalid' | 'redeem' | 'sync';
  result: string;
  errcode: number | null;
  durationMs: number;
  at: Date;
}

const toClaimed = (r: Row): ClaimedToken => ({
  componentAppid: String(r.component_appid),
  authorizerAppid: String(r.authorizer_appid),
  refreshTokenCiphertext: (r.refresh_token_ciphertext as string | null) ?? null,
  version: Number(r.version),
  failureCount: Number(r.failure_count),
  expiresAt: (r.expires_at as Date | null) ?? null,
  refreshedAt: (r.refreshed_at as Date | null) ?? null,
});

/**
 * authorizer_token and authorizer_refresh_log. The one place that writes authorizer_token: all
 * of its SQL is here. Three services call the writing methods, each for its own step of a
 * token's life, and never the others' (none of them builds a query):
 * - AuthorizerRefreshScheduler: `claimDue`, the sweep's batch claim (lease columns only: one
 *   round trip for many tokens); it hands each claim to AuthorizerTokenService.
 * - AuthorizerTokenService: a refresh, under a lease: `claimOne` (on demand), `renewLeases` (the
 *   heartbeat), `saveRefreshedBatch`, `saveFailure`, `replaceRefreshToken`; and `expireVersion`
 *   after WeChat refused a token (40001).
 * - AuthorizerTokenStore: what the registry changes, inside the registry's transaction:
 *   `upsertTokens` (a redeemed code, a refresh token recovered by the list sync) and `erase`
 *   (revoked, needs re-authorization, detached).
 * Outside the library, only the platform's data-key rotation rewrites the table: it re-seals the
 * `*_ciphertext` columns in place under compare-and-swap, leaving values and version as they are.
 * Every write that ends a refresh also appends its log row and announces the new version
 * (NOTIFY) in the same statement: one round trip a token.
 */
@Injectable()
export class AuthorizerTokenRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  private tokens(m?: EntityManager) {
    return (m ?? this.db).getRepository(AuthorizerTokenEntity);
  }

  /** `m`: read inside the caller's transaction (a second connection may not exist: embedded). */
  async find(
    componentAppid: string,
    authorizerAppid: string,
    m?: EntityManager,
  ): Promise<StoredAuthorizerToken | null> {
    const { entities, raw } = await this.tokens(m)
      .createQueryBuilder('t')
      .innerJoin(
        AuthorizerEntity,
        'a',
        'a.componentAppid = t.componentAppid AND a.authorizerAppid = t.authorizerAppid',
      )
      .addSelect('a.status', 'account_status')
      .where('t.componentAppid = :componentAppid AND t.authorizerAppid = :authorizerAppid', {
        componentAppid,
        authorizerAppid,
      })
      .getRawAndEntities<{ account_status: AuthorizerStatus }>();
    const t = entities[0];
    if (!t) return null;
    return {
      componentAppid: t.componentAppid,
      authorizerAppid: t.authorizerAppid,
      status: raw[0].account_status,
      accessTokenCiphertext: t.accessTokenCiphertext ?? null,
      refreshTokenCiphertext: t.refreshTokenCiphertext ?? null,
      expiresAt: t.expiresAt ?? null,
      refreshedAt: t.refreshedAt ?? null,
      nextRefreshAt: t.nextRefreshAt ?? null,
      failureCount: Number(t.failureCount),
      lastErrcode: t.lastErrcode ?? null,
      version: Number(t.version),
      leaseOwner: t.leaseOwner ?? null,
      leaseUntil: t.leaseUntil ?? null,
    };
  }

  async health(
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<AuthorizerTokenHealth | null> {
    const t = await this.tokens().findOne({
      select: {
        componentAppid: true,
        authorizerAppid: true,
        accessTokenCiphertext: true,
        refreshTokenCiphertext: true,
        expiresAt: true,
        nextRefreshAt: true,
        refreshedAt: true,
        failureCount: true,
        lastErrcode: true,
        version: true,
      },
      where: { componentAppid, authorizerAppid },
    });
    if (!t) return null;
    return {
      hasAccessToken: t.accessTokenCiphertext !== null,
      hasRefreshToken: t.refreshTokenCiphertext !== null,
      expiresAt: t.expiresAt ?? null,
      nextRefreshAt: t.nextRefreshAt ?? null,
      refreshedAt: t.refreshedAt ?? null,
      failureCount: Number(t.failureCount),
      lastErrcode: t.lastErrcode ?? null,
      version: Number(t.version),
    };
  }

  /**
   * Claims up to `limit` tokens due for refresh. The partial index on next_refresh_at makes the
   * cost follow the number due, not the number registered; SKIP LOCKED and the lease let any
   * number of instances sweep side by side.
   */
  async claimDue(
    owner: string,
    now: Date,
    leaseUntil: Date,
    limit: number,
  ): Promise<ClaimedToken[]> {
    // Raw SQL: FOR UPDATE SKIP LOCKED in a subquery that picks the due rows, then leases them.
    const rows = await this.db.query<unknown>(
      `UPDATE authorizer_token t SET lease_owner = $1, lease_until = $3
        FROM (SELECT component_appid, authorizer_appid FROM authorizer_token
               WHERE next_refresh_at <= $2 AND (lease_until IS NULL OR lease_until < $2)
               ORDER BY next_refresh_at LIMIT $4 FOR UPDATE SKIP LOCKED) due
        WHERE t.component_appid = due.component_appid AND t.authorizer_appid = due.authorizer_appid
        RETURNING t.component_appid, t.authorizer_appid, t.refresh_token_ciphertext, t.version,
                  t.failure_count, t.expires_at, t.refreshed_at`,
      [owner, now, leaseUntil, limit],
    );
    return returnedRows(rows).map(toClaimed);
  }

  /**
   * Claims one token for an on-demand refresh, unless its lease is held (by anyone, this instance
   * included) or it is backing off after failures (a 45009 pause, a -1 backoff): on demand obeys
   * the same plan as the sweep. Only while the row is still at `version`, the one the caller read
   * and found wanting: once another instance has stored a newer token, that token is read, not
   * refreshed a second time.
   */
  async claimOne(
    componentAppid: string,
    authorizerAppid: string,
    owner: string,
    now: Date,
    leaseUntil: Date,
    version: number,
  ): Promise<ClaimedToken | null> {
    const result = await this.tokens()
      .createQueryBuilder()
      .update()
      .set({ leaseOwner: owner, leaseUntil })
      .where({
        componentAppid,
        authorizerAppid,
        version: String(version),
        refreshTokenCiphertext: Not(IsNull()),
        leaseUntil: Or(IsNull(), LessThan(now)),
      })
      // As written: the NOT also refuses a failing row whose next_refresh_at is NULL.
      .andWhere('NOT (failure_count > 0 AND next_refresh_at > :now)', { now })
      .returning(CLAIMED_COLUMNS)
      .execute();
    const r = (result.raw as Row[])[0];
    return r ? toClaimed(r) : null;
  }

  /**
   * Stores refreshed tokens, each only if `owner` still holds its lease and nobody stored a newer
   * version meanwhile; logs every attempt and notifies other instances: one statement and one
   * commit for the whole batch. Returns each item's new version, or null when it was stale.
   */
  async saveRefreshedBatch(owner: string, items: RefreshedToken[]): Promise<(number | null)[]> {
    const col = <K extends keyof RefreshedToken>(k: K) => items.map((i) => i[k]);
    // Raw SQL: version compare-and-swap over a batch (unnest), log rows and NOTIFY, in one go.
    const rows = await this.db.query<
      { component_appid: string; authorizer_appid: string; version: string }[]
    >(
      `WITH input AS (
         SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[],
                              $7::timestamptz[], $8::timestamptz[], $9::text[], $10::int[], $11::timestamptz[])
           AS i(component_appid, authorizer_appid, version, access, refresh, expires_at, next_refresh_at,
                trigger, duration_ms, at)),
       updated AS (
         UPDATE authorizer_token t SET access_token_ciphertext = i.access, refresh_token_ciphertext = i.refresh,
                expires_at = i.expires_at, next_refresh_at = i.next_refresh_at, refreshed_at = i.at,
                version = t.version + 1, lease_owner = NULL, lease_until = NULL, failure_count = 0,
                last_errcode = NULL
           FROM input i
          WHERE t.component_appid = i.component_appid AND t.authorizer_appid = i.authorizer_appid
            AND t.lease_owner = $1 AND t.version = i.version
          RETURNING t.component_appid, t.authorizer_appid, t.version),
       logged AS (
         INSERT INTO authorizer_refresh_log (component_appid, authorizer_appid, instance, trigger, result, errcode, duration_ms, at)
         SELECT i.component_appid, i.authorizer_appid, $1, i.trigger,
                CASE WHEN u.version IS NULL THEN 'discarded_stale' ELSE 'ok' END, NULL, i.duration_ms, i.at
           FROM input i LEFT JOIN updated u USING (component_appid, authorizer_appid))
       SELECT component_appid, authorizer_appid, version,
              pg_notify('${TOKEN_CHANNEL}', component_appid || ' ' || authorizer_appid || ' ' || version)
         FROM updated`,
      [
        owner,
        col('componentAppid'),
        col('authorizerAppid'),
        col('version'),
        col('accessTokenCiphertext'),
        col('refreshTokenCiphertext'),
        col('expiresAt'),
        col('nextRefreshAt'),
        col('trigger'),
        col('durationMs'),
        col('at'),
      ],
    );
    const saved = new Map(
      rows.map((r) => [`${r.component_appid}/${r.authorizer_appid}`, Number(r.version)]),
    );
    return items.map((i) => saved.get(`${i.componentAppid}/${i.authorizerAppid}`) ?? null);
  }

  /**
   * Extends the leases this instance (`owner`) still holds on `keys` to `leaseUntil`, in one
   * statement (the lease keeper's heartbeat). A lease another instance took over is left alone.
   */
  async renewLeases(owner: string, keys: TokenKey[], leaseUntil: Date): Promise<void> {
    // Raw SQL: one statement for a batch of composite keys (unnest of typed arrays).
    await this.db.query(
      `UPDATE authorizer_token t SET lease_until = $2
         FROM unnest($3::text[], $4::text[]) AS k(component_appid, authorizer_appid)
        WHERE t.component_appid = k.component_appid AND t.authorizer_appid = k.authorizer_appid
          AND t.lease_owner = $1`,
      [owner, leaseUntil, keys.map((k) => k.componentAppid), keys.map((k) => k.authorizerAppid)],
    );
  }

  /** Records a failed attempt: release the lease and plan the next try. */
  async saveFailure(
    claim: ClaimedToken,
    owner: string,
    nextRefreshAt: Date | null,
    log: RefreshLogEntry,
  ): Promise<void> {
    // Raw SQL: a data-modifying CTE releases the lease and appends the log row in one round trip.
    await this.db.query(
      `WITH updated AS (
         UPDATE authorizer_token SET lease_owner = NULL, lease_until = NULL, next_refresh_at = $4,
                failure_count = failure_count + 1, last_errcode = $6
          WHERE component_appid = $1 AND authorizer_appid = $2 AND lease_owner = $3
          RETURNING 1)
       INSERT INTO authorizer_refresh_log (component_appid, authorizer_appid, instance, trigger, result, errcode, duration_ms, at)
       VALUES ($1, $2, $3, $5, $7, $6, $8, $9)`,
      [
        claim.componentAppid,
        claim.authorizerAppid,
        owner,
        nextRefreshAt,
        log.trigger,
        log.errcode,
        log.result,
        log.durationMs,
        log.at,
      ],
    );
  }

  /** Replaces the refresh token (recovered from api_get_authorizer_list) under our lease. */
  async replaceRefreshToken(
    claim: ClaimedToken,
    owner: string,
    refreshTokenCiphertext: string,
  ): Promise<void> {
    await this.tokens().update(
      {
        componentAppid: claim.componentAppid,
        authorizerAppid: claim.authorizerAppid,
        leaseOwner: owner,
      },
      { refreshTokenCiphertext },
    );
  }

  /** Stores tokens from a code redemption or a sync (inside the registry's transaction). */
  async upsertTokens(
    m: EntityManager,
    componentAppid: string,
    authorizerAppid: string,
    t: {
      accessTokenCiphertext: string | null;
      refreshTokenCiphertext: string;
      expiresAt: Date | null;
      nextRefreshAt: Date;
    },
    now: Date,
  ): Promise<number> {
    // Raw SQL: an upsert whose update bumps the stored version and clears the lease, RETURNING it.
    const rows = await m.query<Row[]>(
      `INSERT INTO authorizer_token (component_appid, authorizer_appid, access_token_ciphertext, refresh_token_ciphertext,
                                     expires_at, next_refresh_at, refreshed_at, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 1)
       ON CONFLICT (component_appid, authorizer_appid) DO UPDATE SET
         access_token_ciphertext = EXCLUDED.access_token_ciphertext,
         refresh_token_ciphertext = EXCLUDED.refresh_token_ciphertext, expires_at = EXCLUDED.expires_at,
         next_refresh_at = EXCLUDED.next_refresh_at, refreshed_at = EXCLUDED.refreshed_at,
         version = authorizer_token.version + 1, lease_owner = NULL, lease_until = NULL,
         failure_count = 0, last_errcode = NULL
       RETURNING version`,
      [
        componentAppid,
        authorizerAppid,
        t.accessTokenCiphertext,
        t.refreshTokenCiphertext,
        t.expiresAt,
        t.nextRefreshAt,
        now,
      ],
    );
    const version = Number(rows[0].version);
    await this.notify(m, `${componentAppid} ${authorizerAppid} ${version}`);
    return version;
  }

  /** Erases tokens and stops refreshing (revoked, or needs re-authorization). */
  async erase(
    m: EntityManager | undefined,
    componentAppid: string,
    authorizerAppid: string,
    keepRefreshToken = false,
  ): Promise<void> {
    await this.tokens(m).update(
      { componentAppid, authorizerAppid },
      {
        accessTokenCiphertext: null,
        expiresAt: null,
        nextRefreshAt: null,
        ...(keepRefreshToken ? {} : { refreshTokenCiphertext: null }),
        version: () => 'version + 1',
        leaseOwner: null,
        leaseUntil: null,
      },
    );
    await this.notify(m, `${componentAppid} ${authorizerAppid} erased`);
  }

  /** Announces a token change to every instance, on commit when `m` is a transaction. */
  private async notify(m: EntityManager | undefined, payload: string): Promise<void> {
    // Raw SQL: NOTIFY has no TypeORM form.
    await (m ?? this.db).query(`SELECT pg_notify($1, $2)`, [TOKEN_CHANNEL, payload]);
  }

  /**
   * After a 40001 with `version`: the token is dead; make it due now, only if it is still the
   * stored one. A pause or backoff in progress stays: a dead token does not lift a 45009.
   */
  async expireVersion(
    componentAppid: string,
    authorizerAppid: string,
    version: number,
    now: Date,
  ): Promise<boolean> {
    // Raw SQL: version compare-and-swap whose SET keeps a backoff in progress (CASE on the row).
    const rows = await this.db.query<unknown>(
      `UPDATE authorizer_token SET expires_at = $4,
              next_refresh_at = CASE WHEN failure_count > 0 AND next_refresh_at > $4 THEN next_refresh_at ELSE $4 END
        WHERE component_appid = $1 AND authorizer_appid = $2 AND version = $3 AND access_token_ciphertext IS NOT NULL
        RETURNING 1`,
      [componentAppid, authorizerAppid, version, now],
    );
    return returnedRows(rows).length === 1;
  }

  async refreshLog(
    authorizerAppid: string,
    limit = 50,
  ): Promise<(RefreshLogEntry & { componentAppid: string })[]> {
    const rows = await this.db.getRepository(AuthorizerRefreshLogEntity).find({
      select: {
        id: true,
        componentAppid: true,
        instance: true,
        trigger: true,
        result: true,
        errcode: true,
        durationMs: true,
        at: true,
      },
      where: { authorizerAppid },
      order: { at: 'DESC', id: 'DESC' },
      take: limit,
    });
    return rows.map((r) => ({
      componentAppid: r.componentAppid,
      instance: r.instance,
      trigger: r.trigger as RefreshLogEntry['trigger'],
      result: r.result,
      errcode: r.errcode ?? null,
      durationMs: Number(r.durationMs),
      at: r.at,
    }));
  }
}
