import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { QuotaResetEntity } from './operator.entities.js';

/** This month's resets of one account, as the budget counts them. */
export interface MonthUse {
  /** Attempts that reset the quota, or may have (WeChat did not answer). */
  counted: number;
  /** WeChat answered 48006 this month: its own count (console resets included) is exhausted. */
  wechatLimitReached: boolean;
}

/** The quota_reset table (append-only: inserts and reads only). */
@Injectable()
export class QuotaResetRepository {
  constructor(
    @InjectRepository(QuotaResetEntity) private readonly rows: Repository<QuotaResetEntity>,
  ) {}

  async record(row: Omit<QuotaResetEntity, 'id'>): Promise<void> {
    await this.rows.insert(row);
  }

  async monthUse(
    componentAppid: string,
    targetAppid: string,
    from: Date,
    to: Date,
  ): Promise<MonthUse> {
    const raw = await this.rows
      .createQueryBuilder('r')
      .select(`COUNT(*) FILTER (WHERE r.outcome IN ('reset', 'unknown'))`, 'counted')
      .addSelect(`COALESCE(BOOL_OR(r.errcode = 48006), false)`, 'limit_reached')
      .where('r.component_appid = :componentAppid', { componentAppid })
      .andWhere('r.target_appid = :targetAppid', { targetAppid })
      .andWhere('r.at >= :from AND r.at < :to', { from, to })
      .getRawOne<{ counted: string; limit_reached: boolean }>();
    return {
      counted: Number(raw?.counted ?? 0),
      wechatLimitReached: raw?.limit_reached === true,
    };
  }
}
