import { Injectable } from '@nestjs/common';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../core/sql.js';
import {
  AuthorizerProfile,
  AuthorizerRecord,
  AuthorizerStatus,
  ChangeCause,
} from './authorizer.types.js';

type Row = Record<string, unknown>;

const COLUMNS = `component_appid, authorizer_appid, tenant_id, status, account_kind, nick_name, user_name,
  alias, principal_name, signature, service_type, verify_type, account_status, head_img, qrcode_url,
  func_info, authorized_at, updated_at, revoked_at, profile_refreshed_at`;

function toRecord(r: Row): AuthorizerRecord {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const s = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    componentAppid: String(r.component_appid),
    authorizerAppid: String(r.authorizer_appid),
    tenantId: s(r.tenant_id),
    status: r.status as AuthorizerStatus,
    accountKind: r.account_kind as AuthorizerRecord['accountKind'],
    nickName: s(r.nick_name),
    userName: s(r.user_name),
    alias: s(r.alias),
    principalName: s(r.principal_name),
    signature: s(r.signature),
    serviceType: n(r.service_type),
    verifyType: n(r.verify_type),
    accountStatus: n(r.account_status),
    headImg: s(r.head_img),
    qrcodeUrl: s(r.qrcode_url),
    funcInfo: ((r.func_info as number[] | null) ?? []).map(Number),
    authorizedAt: (r.authorized_at as Date | null) ?? null,
    updatedAt: r.updated_at as Date,
    revokedAt: (r.revoked_at as Date | null) ?? null,
    profileRefreshedAt: (r.profile_refreshed_at as Date | null) ?? null,
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

/** Changed fields between two records, for the history table. */
export function diffRecords(
  before: AuthorizerRecord | null,
  after: AuthorizerRecord,
): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  const skip = new Set(['updatedAt', 'componentAppid', 'authorizerAppid', 'profileRefreshedAt']);
  for (const key of Object.keys(after) as (keyof AuthorizerRecord)[]) {
    if (skip.has(key)) continue;
    const a = before ? before[key] : null;
    const b = after[key];
    if (JSON.stringify(a) !== JSON.stringify(b)) out[key] = { from: a ?? null, to: b ?? null };
  }
  return out;
}

/** The registry tables: authorizer, authorizer_history and authorization_code. */
@Injectable()
export class AuthorizerRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  async find(
    componentAppid: string,
    authorizerAppid: string,
    m?: EntityManager,
  ): Promise<AuthorizerRecord | null> {
    const rows = await (m ?? this.db).query<Row[]>(
      `SELECT ${COLUMNS} FROM authorizer WHERE component_appid = $1 AND authorizer_appid = $2
       ${m ? 'FOR UPDATE' : ''}`,
      [componentAppid, authorizerAppid],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Every record of an account appid, whatever the component. */
  async findByAppid(authorizerAppid: string): Promise<AuthorizerRecord[]> {
    const rows = await this.db.query<Row[]>(
      `SELECT ${COLUMNS} FROM authorizer WHERE authorizer_appid = $1`,
      [authorizerAppid],
    );
    return rows.map(toRecord);
  }

  async listByTenant(tenantId: string, componentAppid?: string): Promise<AuthorizerRecord[]> {
    const rows = await this.db.query<Row[]>(
      `SELECT ${COLUMNS} FROM authorizer WHERE tenant_id = $1 AND ($2::text IS NULL OR component_appid = $2)
       ORDER BY authorized_at DESC NULLS LAST`,
      [tenantId, componentAppid ?? null],
    );
    return rows.map(toRecord);
  }

  /** Inserts or replaces the record (inside the caller's transaction). */
  async save(m: EntityManager, r: AuthorizerRecord): Promise<void> {
    await m.query(
      `INSERT INTO authorizer (${COLUMNS})
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
       ON CONFLICT (component_appid, authorizer_appid) DO UPDATE SET
         tenant_id = EXCLUDED.tenant_id, status = EXCLUDED.status, account_kind = EXCLUDED.account_kind,
         nick_name = EXCLUDED.nick_name, user_name = EXCLUDED.user_name, alias = EXCLUDED.alias,
         principal_name = EXCLUDED.principal_name, signature = EXCLUDED.signature,
         service_type = EXCLUDED.service_type, verify_type = EXCLUDED.verify_type,
         account_status = EXCLUDED.account_status, head_img = EXCLUDED.head_img,
         qrcode_url = EXCLUDED.qrcode_url, func_info = EXCLUDED.func_info,
         authorized_at = EXCLUDED.authorized_at, updated_at = EXCLUDED.updated_at,
         revoked_at = EXCLUDED.revoked_at, profile_refreshed_at = EXCLUDED.profile_refreshed_at`,
      [
        r.componentAppid,
        r.authorizerAppid,
        r.tenantId,
        r.status,
        r.accountKind,
        r.nickName,
        r.userName,
        r.alias,
        r.principalName,
        r.signature,
        r.serviceType,
        r.verifyType,
        r.accountStatus,
        r.headImg,
        r.qrcodeUrl,
        r.funcInfo,
        r.authorizedAt,
        r.updatedAt,
        r.revokedAt,
        r.profileRefreshedAt,
      ],
    );
  }

  async appendHistory(m: EntityManager | undefined, e: HistoryEntry): Promise<void> {
    await (m ?? this.db).query(
      `INSERT INTO authorizer_history (component_appid, authorizer_appid, tenant_id, action, changes, cause, actor, at, note)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [
        e.componentAppid,
        e.authorizerAppid,
        e.tenantId,
        e.action,
        JSON.stringify(e.changes),
        e.cause,
        e.actor,
        e.at,
        e.note ?? null,
      ],
    );
  }

  async history(
    componentAppid: string,
    authorizerAppid: string,
    limit = 100,
  ): Promise<HistoryEntry[]> {
    const rows = await this.db.query<Row[]>(
      `SELECT component_appid, authorizer_appid, tenant_id, action, changes, cause, actor, at, note
         FROM authorizer_history WHERE component_appid = $1 AND authorizer_appid = $2
        ORDER BY at DESC, id DESC LIMIT $3`,
      [componentAppid, authorizerAppid, limit],
    );
    return rows.map((r) => ({
      componentAppid: String(r.component_appid),
      authorizerAppid: String(r.authorizer_appid),
      tenantId: (r.tenant_id as string | null) ?? null,
      action: String(r.action),
      changes: r.changes as HistoryEntry['changes'],
      cause: r.cause as ChangeCause,
      actor: String(r.actor),
      at: r.at as Date,
      ...(typeof r.note === 'string' ? { note: r.note } : {}),
    }));
  }

  /** When the account's last authorization state change happened, or null (unknown account). */
  async stateEventAt(componentAppid: string, authorizerAppid: string): Promise<Date | null> {
    const rows = await this.db.query<{ at: Date | null }[]>(
      `SELECT state_event_at AS at FROM authorizer WHERE component_appid = $1 AND authorizer_appid = $2`,
      [componentAppid, authorizerAppid],
    );
    return rows[0]?.at ?? null;
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
    const rows = await this.db.query<Row[]>(
      `SELECT component_appid, authorizer_appid, profile_failure_count FROM authorizer
        WHERE status = 'authorized' AND (profile_refreshed_at IS NULL OR profile_refreshed_at < $1)
          AND (profile_retry_at IS NULL OR profile_retry_at <= $2)
        ORDER BY profile_refreshed_at NULLS FIRST LIMIT $3`,
      [before, now, limit],
    );
    return rows.map((r) => ({
      componentAppid: String(r.component_appid),
      authorizerAppid: String(r.authorizer_appid),
      failureCount: Number(r.profile_failure_count),
    }));
  }

  /** Records a failed profile fetch: no scheduled fetch of this account before `retryAt`. */
  async saveProfileFailure(
    componentAppid: string,
    authorizerAppid: string,
    retryAt: Date,
  ): Promise<void> {
    await this.db.query(
      `UPDATE authorizer SET profile_failure_count = profile_failure_count + 1, profile_retry_at = $3
        WHERE component_appid = $1 AND authorizer_appid = $2`,
      [componentAppid, authorizerAppid, retryAt],
    );
  }

  async saveProfile(
    componentAppid: string,
    authorizerAppid: string,
    p: AuthorizerProfile,
    at: Date,
  ): Promise<void> {
    await this.db.query(
      `UPDATE authorizer SET account_kind = $3, nick_name = $4, user_name = $5, alias = $6, principal_name = $7,
              signature = $8, service_type = $9, verify_type = $10, account_status = $11, head_img = $12,
              qrcode_url = $13, profile_refreshed_at = $14, profile_failure_count = 0, profile_retry_at = NULL
        WHERE component_appid = $1 AND authorizer_appid = $2`,
      [
        componentAppid,
        authorizerAppid,
        p.accountKind,
        p.nickName,
        p.userName,
        p.alias,
        p.principalName,
        p.signature,
        p.serviceType,
        p.verifyType,
        p.accountStatus,
        p.headImg,
        p.qrcodeUrl,
        at,
      ],
    );
  }

  /**
   * Claims an authorization code for redemption. Returns `claimed` (with the api_query_auth answer
   * kept by an earlier attempt, if any) for the one caller that must finish the redemption, else
   * the row as it stands.
   */
  async claimCode(
    codeHash: string,
    componentAppid: string,
    preAuthCodeHash: string | null,
    now: Date,
    leaseUntil: Date,
  ): Promise<ClaimedCode | CodeRow> {
    const claimed = returnedRows<{ answer_ciphertext: string | null }>(
      await this.db.query<unknown>(
        `INSERT INTO authorization_code (code_hash, component_appid, pre_auth_code_hash, status, lease_until, created_at)
         VALUES ($1, $2, $3, 'redeeming', $5, $4)
         ON CONFLICT (code_hash) DO UPDATE SET lease_until = $5,
           pre_auth_code_hash = COALESCE(authorization_code.pre_auth_code_hash, EXCLUDED.pre_auth_code_hash)
           WHERE authorization_code.status = 'redeeming' AND authorization_code.lease_until < $4
         RETURNING answer_ciphertext`,
        [codeHash, componentAppid, preAuthCodeHash, now, leaseUntil],
      ),
    );
    if (claimed.length === 1)
      return { status: 'claimed', answerCiphertext: claimed[0].answer_ciphertext ?? null };
    const row = await this.findCode(codeHash);
    if (!row) throw new Error('authorization code row vanished');
    return row;
  }

  /**
   * Keeps WeChat's api_query_auth answer (sealed) on the code's row the moment it arrives: the
   * code is spent at WeChat, so a retry after a later failure must finish from this answer.
   */
  async keepCodeAnswer(codeHash: string, answerCiphertext: string): Promise<void> {
    await this.db.query(
      `UPDATE authorization_code SET answer_ciphertext = $2 WHERE code_hash = $1 AND status = 'redeeming'`,
      [codeHash, answerCiphertext],
    );
  }

  /** The answer kept by keepCodeAnswer, until the redemption is stored. */
  async findCodeAnswer(codeHash: string): Promise<string | null> {
    const rows = await this.db.query<{ answer_ciphertext: string | null }[]>(
      `SELECT answer_ciphertext FROM authorization_code WHERE code_hash = $1`,
      [codeHash],
    );
    return rows[0]?.answer_ciphertext ?? null;
  }

  async findCode(codeHash: string): Promise<CodeRow | null> {
    const rows = await this.db.query<Row[]>(
      `SELECT status, authorizer_appid, outcome, pre_auth_code_hash FROM authorization_code WHERE code_hash = $1`,
      [codeHash],
    );
    const r = rows[0];
    return r
      ? {
          status: r.status as CodeRow['status'],
          authorizerAppid: (r.authorizer_appid as string | null) ?? null,
          outcome: (r.outcome as string | null) ?? null,
          preAuthCodeHash: (r.pre_auth_code_hash as string | null) ?? null,
        }
      : null;
  }

  /** Gives up the claim after a transient failure so the next attempt may claim it at once. */
  async reopenCode(codeHash: string, now: Date): Promise<void> {
    await this.db.query(
      `UPDATE authorization_code SET lease_until = $2::timestamptz - interval '1 millisecond'
        WHERE code_hash = $1 AND status = 'redeeming'`,
      [codeHash, now],
    );
  }

  /** Settles the code; the kept answer (tokens) goes: the registry holds them from now on. */
  async finishCode(
    codeHash: string,
    status: 'redeemed' | 'failed',
    authorizerAppid: string | null,
    outcome: string,
    now: Date,
    m?: EntityManager,
  ): Promise<void> {
    await (m ?? this.db).query(
      `UPDATE authorization_code SET status = $2, authorizer_appid = $3, outcome = $4, finished_at = $5,
              answer_ciphertext = NULL
        WHERE code_hash = $1`,
      [codeHash, status, authorizerAppid, outcome, now],
    );
  }
}

/** The claim of a code: its caller must finish the redemption. */
export interface ClaimedCode {
  status: 'claimed';
  /** The sealed api_query_auth answer an earlier attempt kept, or null (call WeChat). */
  answerCiphertext: string | null;
}

export interface CodeRow {
  status: 'redeeming' | 'redeemed' | 'failed';
  authorizerAppid: string | null;
  /** 'ok', 'tenant_conflict', or an error code. */
  outcome: string | null;
  preAuthCodeHash: string | null;
}
