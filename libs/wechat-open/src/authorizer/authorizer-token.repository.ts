import { Injectable } from '@nestjs/common';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../core/sql.js';
import { AuthorizerStatus, AuthorizerTokenHealth } from './authorizer.types.js';

type Row = Record<string, unknown>;

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
 * authorizer_token and authorizer_refresh_log. Every write that ends a refresh also appends its
 * log row and announces the new version (NOTIFY) in the same statement: one round trip a token.
 */
@Injectable()
export class AuthorizerTokenRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  /** `m`: read inside the caller's transaction (a second connection may not exist: embedded). */
  async find(
    componentAppid: string,
    authorizerAppid: string,
    m?: EntityManager,
  ): Promise<StoredAuthorizerToken | null> {
    const rows = await (m ?? this.db).query<Row[]>(
      `SELECT t.component_appid, t.authorizer_appid, a.status, t.access_token_ciphertext,
              t.refresh_token_ciphertext, t.expires_at, t.refreshed_at, t.next_refresh_at,
              t.failure_count, t.last_errcode, t.version, t.lease_owner, t.lease_until
         FROM authorizer a JOIN authorizer_token t USING (component_appid, authorizer_appid)
        WHERE a.component_appid = $1 AND a.authorizer_appid = $2`,
      [componentAppid, authorizerAppid],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      componentAppid: String(r.component_appid),
      authorizerAppid: String(r.authorizer_appid),
      status: r.status as AuthorizerStatus,
      accessTokenCiphertext: (r.access_token_ciphertext as string | null) ?? null,
      refreshTokenCiphertext: (r.refresh_token_ciphertext as string | null) ?? null,
      expiresAt: (r.expires_at as Date | null) ?? null,
      refreshedAt: (r.refreshed_at as Date | null) ?? null,
      nextRefreshAt: (r.next_refresh_at as Date | null) ?? null,
      failureCount: Number(r.failure_count),
      lastErrcode: r.last_errcode === null ? null : Number(r.last_errcode),
      version: Number(r.version),
      leaseOwner: (r.lease_owner as string | null) ?? null,
      leaseUntil: (r.lease_until as Date | null) ?? null,
    };
  }

  async health(
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<AuthorizerTokenHealth | null> {
    const rows = await this.db.query<Row[]>(
      `SELECT access_token_ciphertext IS NOT NULL AS has_access, refresh_token_ciphertext IS NOT NULL AS has_refresh,
              expires_at, next_refresh_at, refreshed_at, failure_count, last_errcode, version
         FROM authorizer_token WHERE component_appid = $1 AND authorizer_appid = $2`,
      [componentAppid, authorizerAppid],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      hasAccessToken: Boolean(r.has_access),
      hasRefreshToken: Boolean(r.has_refresh),
      expiresAt: (r.expires_at as Date | null) ?? null,
      nextRefreshAt: (r.next_refresh_at as Date | null) ?? null,
      refreshedAt: (r.refreshed_at as Date | null) ?? null,
      failureCount: Number(r.failure_count),
      lastErrcode: r.last_errcode === null ? null : Number(r.last_errcode),
      version: Number(r.version),
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
   * the same plan as the sweep.
   */
  async claimOne(
    componentAppid: string,
    authorizerAppid: string,
    owner: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<ClaimedToken | null> {
    const rows = await this.db.query<unknown>(
      `UPDATE authorizer_token SET lease_owner = $3, lease_until = $5
        WHERE component_appid = $1 AND authorizer_appid = $2 AND refresh_token_ciphertext IS NOT NULL
          AND (lease_until IS NULL OR lease_until < $4)
          AND NOT (failure_count > 0 AND next_refresh_at > $4)
        RETURNING component_appid, authorizer_appid, refresh_token_ciphertext, version, failure_count,
                  expires_at, refreshed_at`,
      [componentAppid, authorizerAppid, owner, now, leaseUntil],
    );
    const r = returnedRows(rows)[0];
    return r ? toClaimed(r) : null;
  }

  /**
   * Stores refreshed tokens, each only if `owner` still holds its lease and nobody stored a newer
   * version meanwhile; logs every attempt and notifies other instances: one statement and one
   * commit for the whole batch. Returns each item's new version, or null when it was stale.
   */
  async saveRefreshedBatch(owner: string, items: RefreshedToken[]): Promise<(number | null)[]> {
    const col = <K extends keyof RefreshedToken>(k: K) => items.map((i) => i[k]);
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
              pg_notify('wechat_open_authorizer_token', component_appid || ' ' || authorizer_appid || ' ' || version)
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
    await this.db.query(
      `UPDATE authorizer_token SET refresh_token_ciphertext = $4
        WHERE component_appid = $1 AND authorizer_appid = $2 AND lease_owner = $3`,
      [claim.componentAppid, claim.authorizerAppid, owner, refreshTokenCiphertext],
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
    await m.query(`SELECT pg_notify('wechat_open_authorizer_token', $1)`, [
      `${componentAppid} ${authorizerAppid} ${String(rows[0].version)}`,
    ]);
    return Number(rows[0].version);
  }

  /** Erases tokens and stops refreshing (revoked, or needs re-authorization). */
  async erase(
    m: EntityManager | undefined,
    componentAppid: string,
    authorizerAppid: string,
    keepRefreshToken = false,
  ): Promise<void> {
    await (m ?? this.db).query(
      `UPDATE authorizer_token SET access_token_ciphertext = NULL, expires_at = NULL, next_refresh_at = NULL,
              refresh_token_ciphertext = CASE WHEN $3 THEN refresh_token_ciphertext ELSE NULL END,
              version = version + 1, lease_owner = NULL, lease_until = NULL
        WHERE component_appid = $1 AND authorizer_appid = $2`,
      [componentAppid, authorizerAppid, keepRefreshToken],
    );
    await (m ?? this.db).query(`SELECT pg_notify('wechat_open_authorizer_token', $1)`, [
      `${componentAppid} ${authorizerAppid} erased`,
    ]);
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
    const rows = await this.db.query<Row[]>(
      `SELECT component_appid, instance, trigger, result, errcode, duration_ms, at FROM authorizer_refresh_log
        WHERE authorizer_appid = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [authorizerAppid, limit],
    );
    return rows.map((r) => ({
      componentAppid: String(r.component_appid),
      instance: String(r.instance),
      trigger: r.trigger as RefreshLogEntry['trigger'],
      result: String(r.result),
      errcode: r.errcode === null ? null : Number(r.errcode),
      durationMs: Number(r.duration_ms),
      at: r.at as Date,
    }));
  }
}
