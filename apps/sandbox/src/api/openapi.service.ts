import { Injectable } from '@nestjs/common';
import { jsonBody } from '../common/request-body.js';
import { SandboxApiError } from '../common/sandbox-api.error.js';
import { ApiQuotaStore } from '../state/api-quota.store.js';
import { RidStore } from '../state/rid.store.js';
import { SandboxCounters } from '../state/sandbox-counters.service.js';
import { SettingsStore } from '../state/settings.store.js';
import { IssuedToken, TokenStore } from '../state/token.store.js';
import type { TokenQuery } from './component-api.service.js';

/** APIs whose quota is the component's (a component token asks for them). */
const COMPONENT_PATHS = new Set([
  '/cgi-bin/component/api_component_token',
  '/cgi-bin/component/api_start_push_ticket',
  '/cgi-bin/component/api_create_preauthcode',
  '/cgi-bin/component/api_query_auth',
  '/cgi-bin/component/api_authorizer_token',
  '/cgi-bin/component/api_get_authorizer_info',
  '/cgi-bin/component/api_get_authorizer_list',
  '/cgi-bin/component/api_get_authorizer_option',
  '/cgi-bin/component/api_set_authorizer_option',
  '/cgi-bin/component/clear_quota',
  '/cgi-bin/component/clear_quota/v2',
]);
/** APIs whose quota is an account's (an authorizer token asks for them). */
const ACCOUNT_PATHS = new Set([
  '/cgi-bin/ticket/getticket',
  '/cgi-bin/message/custom/send',
  '/cgi-bin/user/info',
  '/cgi-bin/clear_quota',
]);
/** APIs both kinds of token use. */
const SHARED_PATHS = new Set([
  '/cgi-bin/openapi/quota/get',
  '/cgi-bin/openapi/rid/get',
  '/cgi-bin/getcallbackip',
]);

/** The sandbox's fixed rate limits (WeChat's real ones vary by API and account). */
const RATE_LIMIT = { call_count: 1000, refresh_second: 60 };
const COMPONENT_RATE_LIMIT = { call_count: 500, refresh_second: 60 };

const RID = /^[0-9a-f]{1,16}(-[0-9a-f]{1,16}){1,5}$/i;

/** WeChat's diagnostics (§13.5): getApiQuota and getRidInfo, with a component or account token. */
@Injectable()
export class OpenApiService {
  constructor(
    private readonly tokenStore: TokenStore,
    private readonly quotas: ApiQuotaStore,
    private readonly rids: RidStore,
    private readonly settings: SettingsStore,
    private readonly counters: SandboxCounters,
  ) {}

  /**
   * `{cgi_path}` → the caller's `quota {daily_limit, used, remain}` for it today (UTC+8),
   * `rate_limit`, and `component_rate_limit` for calls the platform makes: component APIs, and
   * any API asked about with an account's token. 76021 for a path WeChat does not serve, 76022
   * for one whose quota belongs to the other kind of account.
   */
  quota(query: TokenQuery, rawBody: unknown) {
    const token = this.caller('quota_get', query);
    const body = jsonBody(rawBody);
    const path = body.cgi_path;
    if (typeof path !== 'string' || !path.startsWith('/')) throw new SandboxApiError(76021);
    const known = COMPONENT_PATHS.has(path) || ACCOUNT_PATHS.has(path) || SHARED_PATHS.has(path);
    if (!known) throw new SandboxApiError(76021, path);
    const byAccount = token.kind === 'authorizer_access_token';
    if (byAccount ? COMPONENT_PATHS.has(path) : ACCOUNT_PATHS.has(path)) {
      throw new SandboxApiError(76022, path);
    }
    const appid = token.authorizerAppid ?? token.componentAppid;
    const limit = this.settings.current.apiDailyLimit;
    const used = this.quotas.usedToday(appid, path);
    return {
      errcode: 0,
      errmsg: 'ok',
      quota: { daily_limit: limit, used, remain: Math.max(0, limit - used) },
      rate_limit: { ...RATE_LIMIT },
      ...(byAccount || COMPONENT_PATHS.has(path)
        ? { component_rate_limit: { ...COMPONENT_RATE_LIMIT } }
        : {}),
    };
  }

  /**
   * `{rid}` → what the sandbox kept of the call that answered with it: 76002 for a malformed
   * rid, 76001 for an unknown or expired one (ridTtlSec), 76003 for another caller's.
   */
  rid(query: TokenQuery, rawBody: unknown) {
    const token = this.caller('rid_get', query);
    const body = jsonBody(rawBody);
    const rid = body.rid;
    if (typeof rid !== 'string' || !RID.test(rid)) throw new SandboxApiError(76002);
    const record = this.rids.find(rid);
    if (!record) throw new SandboxApiError(76001);
    const mine = token.authorizerAppid
      ? record.authorizerAppid === token.authorizerAppid
      : record.componentAppid === token.componentAppid;
    if (!mine) throw new SandboxApiError(76003);
    return {
      errcode: 0,
      errmsg: 'ok',
      request: {
        invoke_time: Math.floor(record.atMs / 1000),
        cost_in_ms: record.costMs,
        request_url: record.requestUrl,
        request_body: record.requestBody,
        response_body: record.responseBody,
        client_ip: record.clientIp,
      },
    };
  }

  /** getcallbackip (§13.6): the addresses WeChat pushes from (the `callbackIps` setting). */
  callbackIps(query: TokenQuery) {
    this.caller('getcallbackip', query);
    return { ip_list: [...this.settings.current.callbackIps] };
  }

  private caller(endpoint: string, query: TokenQuery): IssuedToken {
    const token = this.tokenStore.check(
      endpoint,
      query.access_token ?? query.component_access_token,
      ['component_access_token', 'authorizer_access_token'],
    );
    this.counters.callByAccount(endpoint, token.authorizerAppid ?? token.componentAppid);
    return token;
  }
}
