import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuthorizerEntity, AuthorizerTokenEntity } from '../authorizer/authorizer.entities.js';
import { Clock } from '../core/clock.js';
import { InjectWechatOpenDataSource } from '../core/data-source.js';
import { JobEntity } from '../jobs/job.entity.js';

/** What is waiting or stuck for one component, for operators. Counts only, never a secret. */
export interface ComponentBacklog {
  componentAppid: string;
  /** Authorized accounts whose token is past its planned refresh and not yet refreshed. */
  refreshDue: number;
  /** The earliest planned refresh among them, or null. */
  oldestDueAt: Date | null;
  /** Accounts whose last refresh failed (backing off or due again). */
  refreshFailing: number;
  /** The errcodes of those last failures, most frequent first. */
  lastErrcodes: { errcode: number; accounts: number }[];
  /** Durable jobs of this component that failed for good. */
  failedJobs: number;
}

/**
 * A read-only view over the authorizer tokens and the job queue of a component: the refresh
 * backlog and what failed. It writes nothing (the token store and the job queue own those
 * tables); the reads use the partial indexes `authorizer_token_due` and `wechat_job_failed`, or
 * the component's range of the primary key.
 */
@Injectable()
export class RefreshBacklogReader {
  constructor(
    @InjectWechatOpenDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  async backlog(componentAppid: string): Promise<ComponentBacklog> {
    const now = this.clock.now();
    const tokens = () =>
      this.db
        .getRepository(AuthorizerTokenEntity)
        .createQueryBuilder('t')
        .innerJoin(
          AuthorizerEntity,
          'a',
          'a.component_appid = t.component_appid AND a.authorizer_appid = t.authorizer_appid',
        )
        .where('t.component_appid = :componentAppid', { componentAppid })
        .andWhere(`a.status = 'authorized'`);
    const [due, failing, errcodes, failedJobs] = await Promise.all([
      tokens()
        .select('COUNT(*)', 'due')
        .addSelect('MIN(t.next_refresh_at)', 'oldest')
        .andWhere('t.next_refresh_at <= :now', { now })
        .getRawOne<{ due: string; oldest: Date | string | null }>(),
      tokens()
        .select('COUNT(*)', 'failing')
        .andWhere('t.failure_count > 0')
        .getRawOne<{ failing: string }>(),
      tokens()
        .select('t.last_errcode', 'errcode')
        .addSelect('COUNT(*)', 'accounts')
        .andWhere('t.failure_count > 0')
        .andWhere('t.last_errcode IS NOT NULL')
        .groupBy('t.last_errcode')
        .orderBy('accounts', 'DESC')
        .addOrderBy('t.last_errcode', 'ASC')
        .limit(10)
        .getRawMany<{ errcode: number | string; accounts: string }>(),
      this.db.getRepository(JobEntity).countBy({ componentAppid, status: 'failed' }),
    ]);
    return {
      componentAppid,
      refreshDue: Number(due?.due ?? 0),
      oldestDueAt: due?.oldest ? new Date(due.oldest) : null,
      refreshFailing: Number(failing?.failing ?? 0),
      lastErrcodes: errcodes.map((r) => ({
        errcode: Number(r.errcode),
        accounts: Number(r.accounts),
      })),
      failedJobs,
    };
  }
}
