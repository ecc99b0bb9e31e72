import { Injectable } from '@nestjs/common';
import { WechatApiClient, WechatResponse } from '../client/wechat-api.client.js';
import { WechatApiError } from '../client/wechat-api.errors.js';
import { ComponentRegistry } from '../core/component-registry.js';
import { WechatOpenError } from '../errors/wechat-open.error.js';
import { ComponentTokenService } from './component-token.service.js';

/** A rate limit as getApiQuota reports it: `callCount` calls per `refreshSecond` seconds. */
export interface ApiRateLimit {
  callCount: number;
  refreshSecond: number;
}

/** getApiQuota's answer for one cgi_path of the component. */
export interface ApiQuota {
  cgiPath: string;
  dailyLimit: number;
  used: number;
  remain: number;
  /** `rate_limit`, when WeChat gives it. */
  rateLimit: ApiRateLimit | null;
  /** `component_rate_limit` (calls made by the platform), when WeChat gives it. */
  componentRateLimit: ApiRateLimit | null;
}

/** What getRidInfo tells of one failed call. Fields are WeChat's, as it gives them. */
export interface RidInfo {
  rid: string;
  invokeTime: Date | null;
  costMs: number | null;
  /** The query string of the call (it holds the token used: WeChat echoes it). */
  requestUrl: string;
  requestBody: string;
  responseBody: string;
  clientIp: string;
}

/**
 * WeChat does not know the rid (76001: never issued, or older than the 7 days WeChat keeps
 * rids) or it is another account's (76003).
 */
export class RidNotFoundError extends WechatOpenError {
  constructor(componentAppid: string, rid: string, errcode: number) {
    super('RID_NOT_FOUND', `WeChat has no request ${rid} for this component (${errcode})`, {
      componentAppid,
      rid,
      errcode,
    });
  }
}

/**
 * getApiQuota does not know the cgi_path (76021), or the path is not an API of the component
 * (76022: an account's API, whose quota is the account's).
 */
export class InvalidCgiPathError extends WechatOpenError {
  constructor(componentAppid: string, cgiPath: string, errcode: number) {
    super(
      'INVALID_CGI_PATH',
      `WeChat knows no quota of ${cgiPath} for this component (${errcode})`,
      { componentAppid, cgiPath, errcode },
    );
  }
}

/**
 * 48006: the ten quota resets of this calendar month are used up (shared with WeChat's console).
 * A WechatApiError, so callers that only know errcodes still see 48006.
 */
export class QuotaResetLimitError extends WechatApiError {
  constructor(endpoint: string, errmsg: string) {
    super(endpoint, 48006, errmsg);
  }
}

const QUOTA_PATH = '/cgi-bin/openapi/quota/get';
const RID_PATH = '/cgi-bin/openapi/rid/get';
const CLEAR_QUOTA_PATH = '/cgi-bin/component/clear_quota/v2';

/**
 * WeChat's quota tools for a component (§4.10, §13.5): getApiQuota, clear_quota/v2 and
 * getRidInfo. The first and last are called with the component token (a rejected token is
 * refreshed and the call made once more); clear_quota/v2 with the component's secret, so that
 * it works when the token API itself is out of quota.
 */
@Injectable()
export class ComponentQuotaService {
  constructor(
    private readonly tokens: ComponentTokenService,
    private readonly api: WechatApiClient,
    private readonly registry: ComponentRegistry,
  ) {}

  /** The daily quota of `cgiPath` (`/cgi-bin/...`) for the component. */
  async getApiQuota(componentAppid: string, cgiPath: string): Promise<ApiQuota> {
    let answer: WechatResponse;
    try {
      answer = await this.withToken(componentAppid, QUOTA_PATH, { cgi_path: cgiPath });
    } catch (error) {
      if (error instanceof WechatApiError && (error.errcode === 76021 || error.errcode === 76022))
        throw new InvalidCgiPathError(componentAppid, cgiPath, error.errcode);
      throw error;
    }
    const quota = record(answer.quota);
    return {
      cgiPath,
      dailyLimit: count(quota.daily_limit),
      used: count(quota.used),
      remain: count(quota.remain),
      rateLimit: rateLimit(answer.rate_limit),
      componentRateLimit: rateLimit(answer.component_rate_limit),
    };
  }

  /**
   * Resets the call counts of the component (no `appid`) or of one of its authorized accounts:
   * ten resets per account per calendar month (WeChat's month, UTC+8), then QuotaResetLimitError.
   * A timed-out call is not repeated here (it may have counted): the caller decides.
   */
  async clearQuota(componentAppid: string, target: { appid?: string } = {}): Promise<void> {
    const { secret } = this.registry.config(componentAppid);
    try {
      await this.api.request(CLEAR_QUOTA_PATH, {
        body: {
          component_appid: componentAppid,
          appsecret: secret,
          ...(target.appid ? { appid: target.appid } : {}),
        },
        // Not a token, but as little idempotent: a repeat of a lost attempt spends a second reset.
        issuesToken: true,
      });
    } catch (error) {
      if (error instanceof WechatApiError && error.errcode === 48006)
        throw new QuotaResetLimitError(error.endpoint, error.errmsg);
      throw error;
    }
  }

  /** What WeChat recorded of the call that answered with `rid` (kept 7 days): RidNotFoundError. */
  async getRidInfo(componentAppid: string, rid: string): Promise<RidInfo> {
    let answer: WechatResponse;
    try {
      answer = await this.withToken(componentAppid, RID_PATH, { rid });
    } catch (error) {
      if (error instanceof WechatApiError && [76001, 76002, 76003].includes(error.errcode))
        throw new RidNotFoundError(componentAppid, rid, error.errcode);
      throw error;
    }
    const request = record(answer.request);
    const invoked = Number(request.invoke_time);
    const cost = Number(request.cost_in_ms);
    return {
      rid,
      invokeTime: Number.isFinite(invoked) && invoked > 0 ? new Date(invoked * 1000) : null,
      costMs: Number.isFinite(cost) && request.cost_in_ms !== undefined ? cost : null,
      requestUrl: text(request.request_url),
      requestBody: text(request.request_body),
      responseBody: text(request.response_body),
      clientIp: text(request.client_ip),
    };
  }

  /** The openapi routes take `?access_token=` (the component token works there). */
  private withToken(componentAppid: string, path: string, body: Record<string, unknown>) {
    return this.tokens.withComponentToken(componentAppid, (token) =>
      this.api.request(path, { query: { access_token: token }, body }),
    );
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function count(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined || value === null ? '' : JSON.stringify(value);
}

function rateLimit(value: unknown): ApiRateLimit | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  return { callCount: count(v.call_count), refreshSecond: count(v.refresh_second) };
}
