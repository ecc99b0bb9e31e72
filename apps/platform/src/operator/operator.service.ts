import { Injectable, Logger } from '@nestjs/common';
import {
  AuthorizerService,
  Clock,
  ComponentQuotaService,
  ComponentRegistry,
  ComponentTokenService,
  QuotaResetLimitError,
  RefreshBacklogReader,
  VerifyTicketService,
  WechatApiError,
  WechatUnavailableError,
} from '@app/wechat-open';
import { ApiError, notFound } from '../common/api-error.js';
import type {
  ApiQuotaDto,
  ComponentStatusDto,
  ListSyncResultDto,
  QuotaResetResultDto,
  RidInfoDto,
} from './operator.dto.js';
import type { QuotaResetOutcome } from './operator.entities.js';
import { QuotaResetRepository } from './quota-reset.repository.js';
import { redactBody, redactQuery } from './rid-redaction.js';
import { wechatMonth } from './wechat-month.js';

/** WeChat's limit: ten resets per account per calendar month, console and API together. */
export const QUOTA_RESETS_PER_MONTH = 10;

/** Who asked, for the reset log. */
export interface ResetRequester {
  apiKeyId: string;
  requestId: string | null;
}

/**
 * What an operator can see and do per component: health (ticket, token, refresh backlog,
 * failures), the authorizer list sync, and WeChat's quota tools with a monthly reset budget kept
 * in quota_reset, so that the 11th reset of a month is refused here before WeChat refuses it.
 */
@Injectable()
export class OperatorService {
  private readonly logger = new Logger('Operator');

  constructor(
    private readonly registry: ComponentRegistry,
    private readonly tickets: VerifyTicketService,
    private readonly tokens: ComponentTokenService,
    private readonly backlog: RefreshBacklogReader,
    private readonly authorizers: AuthorizerService,
    private readonly quota: ComponentQuotaService,
    private readonly resets: QuotaResetRepository,
    private readonly clock: Clock,
  ) {}

  async components(): Promise<ComponentStatusDto[]> {
    return Promise.all(this.registry.appids().map((appid) => this.component(appid)));
  }

  syncAuthorizerList(componentAppid: string): Promise<ListSyncResultDto> {
    return this.authorizers.syncAuthorizerList(componentAppid);
  }

  async apiQuota(componentAppid: string, cgiPath: string): Promise<ApiQuotaDto> {
    const q = await this.quota.getApiQuota(componentAppid, cgiPath);
    return {
      componentAppid,
      cgiPath: q.cgiPath,
      dailyLimit: q.dailyLimit,
      used: q.used,
      remain: q.remain,
      rateLimit: q.rateLimit,
      componentRateLimit: q.componentRateLimit,
    };
  }

  /**
   * Resets the quota of the component (no `appid`) or of one of its accounts, once `confirm`
   * names that account. Every attempt is logged; attempts that reset (or may have: no answer)
   * count against the month's ten, and after WeChat's own 48006 the month is over.
   * Two operators resetting the same account at the same instant may both pass the check: then
   * WeChat's own limit (48006) still refuses the extra one.
   */
  async resetQuota(
    componentAppid: string,
    input: { appid?: string; confirm: string },
    by: ResetRequester,
  ): Promise<QuotaResetResultDto> {
    const account = input.appid && input.appid !== componentAppid ? input.appid : undefined;
    const targetAppid = account ?? componentAppid;
    if (input.confirm !== targetAppid) {
      throw new ApiError(
        400,
        'CONFIRMATION_REQUIRED',
        `a reset spends one of WeChat's ${QUOTA_RESETS_PER_MONTH} monthly resets of ${targetAppid}: send confirm: "${targetAppid}"`,
      );
    }
    const now = this.clock.now();
    const month = wechatMonth(now);
    const use = await this.resets.monthUse(componentAppid, targetAppid, month.start, month.end);
    const log = (outcome: QuotaResetOutcome, errcode: number | null) =>
      this.resets.record({
        at: this.clock.now(),
        componentAppid,
        targetAppid,
        apiKeyId: by.apiKeyId,
        requestId: by.requestId,
        outcome,
        errcode,
      });
    const exhausted = () =>
      new ApiError(
        429,
        'QUOTA_RESET_BUDGET_EXHAUSTED',
        `the ${QUOTA_RESETS_PER_MONTH} quota resets of ${targetAppid} for ${month.label} are used up (0 remain; ` +
          `WeChat's month is UTC+8, the next starts ${month.end.toISOString()})`,
      );
    if (use.wechatLimitReached || use.counted >= QUOTA_RESETS_PER_MONTH) {
      await log('budget_refused', null);
      throw exhausted();
    }
    try {
      await this.quota.clearQuota(componentAppid, account ? { appid: account } : {});
    } catch (error) {
      if (error instanceof WechatApiError) {
        await log('refused', error.errcode);
        if (error instanceof QuotaResetLimitError) throw exhausted();
        // 40013: WeChat does not know the appid as an account of this component.
        if (error.errcode === 40013) throw notFound('account');
      } else if (error instanceof WechatUnavailableError) {
        // It may have reached WeChat and counted: it counts here too.
        await log('unknown', null);
      }
      throw error;
    }
    await log('reset', 0);
    const used = use.counted + 1;
    this.logger.log(
      `quota of ${targetAppid} (component ${componentAppid}) reset; ${used} of ${QUOTA_RESETS_PER_MONTH} in ${month.label}`,
    );
    return {
      componentAppid,
      targetAppid,
      month: month.label,
      resetsUsed: used,
      resetsRemaining: Math.max(0, QUOTA_RESETS_PER_MONTH - used),
    };
  }

  async ridInfo(componentAppid: string, rid: string): Promise<RidInfoDto> {
    const info = await this.quota.getRidInfo(componentAppid, rid);
    return {
      rid: info.rid,
      invokeTime: info.invokeTime,
      costMs: info.costMs,
      requestUrl: redactQuery(info.requestUrl),
      requestBody: redactBody(info.requestBody),
      responseBody: redactBody(info.responseBody),
      clientIp: info.clientIp,
    };
  }

  private async component(appid: string): Promise<ComponentStatusDto> {
    const [ticket, token, backlog] = await Promise.all([
      this.tickets.status(appid),
      this.tokens.status(appid),
      this.backlog.backlog(appid),
    ]);
    return {
      appid,
      ticket: {
        present: ticket.present,
        ageSec: ticket.ageSec,
        stale: ticket.stale,
        rejectedErrcode: ticket.rejectedErrcode,
      },
      token: { present: token.present, expiresAt: token.expiresAt, refreshedAt: token.refreshedAt },
      refreshBacklog: {
        due: backlog.refreshDue,
        oldestDueAt: backlog.oldestDueAt,
        failing: backlog.refreshFailing,
      },
      failedJobs: backlog.failedJobs,
      lastErrcodes: backlog.lastErrcodes,
    };
  }
}
