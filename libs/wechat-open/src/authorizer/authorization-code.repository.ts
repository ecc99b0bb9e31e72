import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { returnedRows } from '../core/sql.js';
import { AuthorizationCodeEntity } from './authorizer.entities.js';

/** authorization_code: one row per code (hashed), redeemed once between the push and the landing. */
@Injectable()
export class AuthorizationCodeRepository {
  constructor(@InjectWechatOpenDataSource() private readonly db: DataSource) {}

  private codes(m?: EntityManager) {
    return (m ?? this.db).getRepository(AuthorizationCodeEntity);
  }

  /**
   * Claims an authorization code for redemption. Returns `claimed` (with the api_query_auth answer
   * kept by an earlier attempt, if any) for the one caller that must finish the redemption, else
   * the row as it stands.
   */
  async claim(
    codeHash: string,
    componentAppid: string,
    preAuthCodeHash: string | null,
    now: Date,
    leaseUntil: Date,
  ): Promise<ClaimedCode | CodeRow> {
    // Raw SQL: ON CONFLICT with a condition (take over only an expired claim), in one statement.
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
    const row = await this.find(codeHash);
    if (!row) throw new Error('authorization code row vanished');
    return row;
  }

  /**
   * Keeps WeChat's api_query_auth answer (sealed) on the code's row the moment it arrives: the
   * code is spent at WeChat, so a retry after a later failure must finish from this answer.
   */
  async keepAnswer(codeHash: string, answerCiphertext: string): Promise<void> {
    await this.codes().update({ codeHash, status: 'redeeming' }, { answerCiphertext });
  }

  /** The answer kept by keepAnswer, until the redemption is stored. */
  async findAnswer(codeHash: string): Promise<string | null> {
    const row = await this.codes().findOne({
      select: { codeHash: true, answerCiphertext: true },
      where: { codeHash },
    });
    return row?.answerCiphertext ?? null;
  }

  async find(codeHash: string): Promise<CodeRow | null> {
    const r = await this.codes().findOneBy({ codeHash });
    return r
      ? {
          status: r.status as CodeRow['status'],
          authorizerAppid: r.authorizerAppid ?? null,
          outcome: r.outcome ?? null,
          preAuthCodeHash: r.preAuthCodeHash ?? null,
        }
      : null;
  }

  /** Gives up the claim after a transient failure so the next attempt may claim it at once. */
  async reopen(codeHash: string, now: Date): Promise<void> {
    // Just before `now`: claim() takes over a lease that ended before its own `now`.
    await this.codes().update(
      { codeHash, status: 'redeeming' },
      { leaseUntil: new Date(now.getTime() - 1) },
    );
  }

  /** Settles the code; the kept answer (tokens) goes: the registry holds them from now on. */
  async finish(
    codeHash: string,
    status: 'redeemed' | 'failed',
    authorizerAppid: string | null,
    outcome: string,
    now: Date,
    m?: EntityManager,
  ): Promise<void> {
    await this.codes(m).update(
      { codeHash },
      { status, authorizerAppid, outcome, finishedAt: now, answerCiphertext: null },
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
