import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Accounts of one component in one status, with their tokens' state. */
export interface AuthorizerCensusRow {
  component: string;
  status: string;
  accounts: number;
  /** Tokens valid beyond the expiring window. */
  valid: number;
  /** Tokens that expire within the window. */
  expiring: number;
  /** No token, or an expired one. */
  expired: number;
  /** Tokens past their planned refresh. */
  due: number;
}

/** A scrape must not wait on a slow database: each query gives up after this. */
const STATEMENT_TIMEOUT_MS = 2000;

/**
 * The read-only counts /metrics shows, one bounded query each (a statement timeout in its own
 * transaction), over the library's tables (read here, written only by the library).
 */
@Injectable()
export class MetricsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Accounts by component and status, and their tokens by state, as of `now`. */
  authorizerCensus(
    components: readonly string[],
    now: Date,
    expiringWithinSec: number,
  ): Promise<AuthorizerCensusRow[]> {
    return this.bounded<AuthorizerCensusRow>(
      `SELECT a.component_appid AS component, a.status AS status,
              count(*)::int AS accounts,
              count(*) FILTER (WHERE t.access_token_ciphertext IS NOT NULL
                               AND t.expires_at > $2)::int AS valid,
              count(*) FILTER (WHERE t.access_token_ciphertext IS NOT NULL
                               AND t.expires_at > $1 AND t.expires_at <= $2)::int AS expiring,
              count(*) FILTER (WHERE t.access_token_ciphertext IS NULL OR t.expires_at IS NULL
                               OR t.expires_at <= $1)::int AS expired,
              count(*) FILTER (WHERE t.next_refresh_at <= $1)::int AS due
         FROM authorizer a
         LEFT JOIN authorizer_token t
           ON t.component_appid = a.component_appid AND t.authorizer_appid = a.authorizer_appid
        WHERE a.component_appid = ANY($3)
        GROUP BY a.component_appid, a.status`,
      [now, new Date(now.getTime() + expiringWithinSec * 1000), components],
    );
  }

  /** Each component's newest verify ticket time and component token expiry (null: none). */
  componentState(
    components: readonly string[],
  ): Promise<{ component: string; ticketCreateTime: Date | null; tokenExpiresAt: Date | null }[]> {
    return this.bounded(
      `SELECT c.appid AS component, t.create_time AS "ticketCreateTime",
              k.expires_at AS "tokenExpiresAt"
         FROM unnest($1::text[]) AS c(appid)
         LEFT JOIN component_verify_ticket t ON t.component_appid = c.appid
         LEFT JOIN component_token k ON k.component_appid = c.appid`,
      [components],
    );
  }

  /** Durable jobs waiting and failed for good, by component. */
  jobCounts(
    components: readonly string[],
  ): Promise<{ component: string; status: string; jobs: number }[]> {
    return this.bounded(
      `SELECT component_appid AS component, status, count(*)::int AS jobs
         FROM wechat_job
        WHERE status IN ('pending', 'failed') AND component_appid = ANY($1)
        GROUP BY component_appid, status`,
      [components],
    );
  }

  private bounded<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.db.transaction(async (manager) => {
      // Raw SQL: SET LOCAL has no TypeORM form; it ends with this transaction.
      await manager.query(`SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
      return manager.query<T[]>(sql, params);
    });
  }
}
