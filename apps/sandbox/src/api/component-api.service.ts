import { Injectable } from '@nestjs/common';
import { jsonBody, stringField } from '../common/request-body.js';
import { SandboxApiError } from '../common/sandbox-api.error.js';
import { TicketScheduler } from '../push/ticket-scheduler.service.js';
import { SandboxComponentConfig } from '../sandbox.options.js';
import { SandboxCounters } from '../state/sandbox-counters.service.js';
import { AccountStore, SandboxAccount } from '../state/account.store.js';
import { Authorization, AuthorizationStore } from '../state/authorization.store.js';
import { AuthorizerOptionStore } from '../state/authorizer-option.store.js';
import { ClearQuotaStore } from '../state/clear-quota.store.js';
import { ComponentStore } from '../state/component.store.js';
import { PreAuthCodeStore } from '../state/pre-auth-code.store.js';
import { SettingsStore } from '../state/settings.store.js';
import { TicketStore } from '../state/ticket.store.js';
import { IssuedToken, TokenStore } from '../state/token.store.js';

export type TokenQuery = Record<string, string | undefined>;

function funcInfo(sets: number[]) {
  return sets.map((id) => ({ funcscope_category: { id } }));
}

/** The component APIs of §4 (cgi-bin/component/...), with WeChat's checks and errcodes. */
@Injectable()
export class ComponentApiService {
  constructor(
    private readonly componentStore: ComponentStore,
    private readonly accountStore: AccountStore,
    private readonly authorizationStore: AuthorizationStore,
    private readonly tokenStore: TokenStore,
    private readonly ticketStore: TicketStore,
    private readonly preAuthCodeStore: PreAuthCodeStore,
    private readonly optionStore: AuthorizerOptionStore,
    private readonly clearQuotaStore: ClearQuotaStore,
    private readonly settingsStore: SettingsStore,
    private readonly counters: SandboxCounters,
    private readonly tickets: TicketScheduler,
  ) {}

  componentToken(rawBody: unknown) {
    const body = jsonBody(rawBody);
    const component = this.knownComponent(stringField(body, 'component_appid', 41002));
    this.checkSecret(component, body.component_appsecret);
    const ticket = body.component_verify_ticket;
    if (typeof ticket !== 'string' || ticket === '') {
      throw new SandboxApiError(61006, 'component_verify_ticket missing');
    }
    this.ticketStore.checkVerifyTicket(component.appid, ticket);
    this.counters.callByAccount('api_component_token', component.appid);
    const token = this.tokenStore.issueComponentToken(component.appid);
    return {
      component_access_token: token.value,
      expires_in: this.settingsStore.current.componentTokenTtlSec,
    };
  }

  startPushTicket(rawBody: unknown) {
    const body = jsonBody(rawBody);
    const component = this.knownComponent(stringField(body, 'component_appid', 41002));
    // The one API whose secret field is component_secret (§4.2); component_appsecret is ignored.
    this.checkSecret(component, body.component_secret);
    this.counters.callByAccount('api_start_push_ticket', component.appid);
    this.tickets.pushSoon(component.appid);
    return { errcode: 0, errmsg: 'ok' };
  }

  createPreAuthCode(query: TokenQuery, rawBody: unknown) {
    const { component } = this.authenticate('api_create_preauthcode', query, rawBody);
    this.counters.callByAccount('api_create_preauthcode', component.appid);
    const code = this.preAuthCodeStore.issue(component.appid);
    return { pre_auth_code: code.value, expires_in: code.expiresIn };
  }

  queryAuth(query: TokenQuery, rawBody: unknown) {
    const { component, body } = this.authenticate('api_query_auth', query, rawBody);
    const codeValue = body.authorization_code;
    if (typeof codeValue !== 'string' || codeValue === '') throw new SandboxApiError(61009);
    const code = this.authorizationStore.consumeAuthCode(component.appid, codeValue);
    this.counters.callByAccount('api_query_auth', code.authorizerAppid);
    const auth = this.authorizationStore.active(component.appid, code.authorizerAppid);
    // A code from before a revoke belongs to a dead authorization.
    if (auth.generation !== code.generation) throw new SandboxApiError(61009);
    const token = this.tokenStore.issueAuthorizerToken(auth);
    return {
      authorization_info: {
        authorizer_appid: auth.authorizerAppid,
        authorizer_access_token: token.value,
        expires_in: this.settingsStore.current.authorizerTokenTtlSec,
        authorizer_refresh_token: auth.refreshToken,
        func_info: funcInfo(auth.funcInfo),
      },
    };
  }

  authorizerToken(query: TokenQuery, rawBody: unknown) {
    const { component, body } = this.authenticate('api_authorizer_token', query, rawBody);
    const authorizerAppid = stringField(body, 'authorizer_appid', 41002);
    this.counters.callByAccount('api_authorizer_token', authorizerAppid);
    const refreshToken = body.authorizer_refresh_token;
    if (typeof refreshToken !== 'string' || refreshToken === '') {
      this.authorizationStore.active(component.appid, authorizerAppid);
      throw new SandboxApiError(61023, 'authorizer_refresh_token missing');
    }
    const auth = this.authorizationStore.checkRefreshToken(
      component.appid,
      authorizerAppid,
      refreshToken,
    );
    const token = this.tokenStore.issueAuthorizerToken(auth);
    return {
      authorizer_access_token: token.value,
      expires_in: this.settingsStore.current.authorizerTokenTtlSec,
      authorizer_refresh_token: auth.refreshToken,
    };
  }

  authorizerInfo(query: TokenQuery, rawBody: unknown) {
    const { component, body } = this.authenticate('api_get_authorizer_info', query, rawBody);
    const authorizerAppid = stringField(body, 'authorizer_appid', 41002);
    this.counters.callByAccount('api_get_authorizer_info', authorizerAppid);
    const auth = this.authorizationStore.active(component.appid, authorizerAppid);
    const account = this.accountStore.get(authorizerAppid);
    if (!account) throw new SandboxApiError(40013);
    return {
      authorizer_info: authorizerInfo(account),
      authorization_info: {
        authorizer_appid: auth.authorizerAppid,
        authorizer_refresh_token: auth.refreshToken,
        func_info: funcInfo(auth.funcInfo),
      },
    };
  }

  authorizerList(query: TokenQuery, rawBody: unknown) {
    const { component, body } = this.authenticate('api_get_authorizer_list', query, rawBody);
    this.counters.callByAccount('api_get_authorizer_list', component.appid);
    const offset = body.offset ?? 0;
    const count = body.count;
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
      throw new SandboxApiError(40066, 'offset must be an integer >= 0');
    }
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 500) {
      throw new SandboxApiError(40066, 'count must be an integer from 1 to 500');
    }
    const all = this.authorizationStore
      .list(component.appid)
      .filter((a) => a.status === 'authorized')
      .sort(
        (a, b) => a.authTime - b.authTime || a.authorizerAppid.localeCompare(b.authorizerAppid),
      );
    return {
      total_count: all.length,
      list: all.slice(offset, offset + count).map((a: Authorization) => ({
        authorizer_appid: a.authorizerAppid,
        refresh_token: a.refreshToken,
        auth_time: a.authTime,
      })),
    };
  }

  getOption(query: TokenQuery, rawBody: unknown) {
    const { component, body } = this.authenticate('api_get_authorizer_option', query, rawBody);
    const authorizerAppid = stringField(body, 'authorizer_appid', 41002);
    this.counters.callByAccount('api_get_authorizer_option', authorizerAppid);
    this.authorizationStore.active(component.appid, authorizerAppid);
    const name = stringField(body, 'option_name', 40097);
    return {
      authorizer_appid: authorizerAppid,
      option_name: name,
      option_value: this.optionStore.get(authorizerAppid, name),
    };
  }

  setOption(query: TokenQuery, rawBody: unknown) {
    const { component, body } = this.authenticate('api_set_authorizer_option', query, rawBody);
    const authorizerAppid = stringField(body, 'authorizer_appid', 41002);
    this.counters.callByAccount('api_set_authorizer_option', authorizerAppid);
    this.authorizationStore.active(component.appid, authorizerAppid);
    const name = stringField(body, 'option_name', 40097);
    const value = stringField(body, 'option_value', 40097);
    this.optionStore.set(authorizerAppid, name, value);
    return { errcode: 0, errmsg: 'ok' };
  }

  /** Legacy cgi-bin/component/clear_quota: the component's own quota. */
  componentClearQuota(query: TokenQuery, rawBody: unknown) {
    const { component } = this.authenticate('component_clear_quota', query, rawBody);
    this.counters.callByAccount('component_clear_quota', component.appid);
    this.clearQuotaStore.use(component.appid);
    return { errcode: 0, errmsg: 'ok' };
  }

  /** Generic cgi-bin/clear_quota: with a CAT the component's quota, with an AAT the account's. */
  clearQuota(query: TokenQuery, rawBody: unknown) {
    const token = this.tokenStore.check('clear_quota', query.access_token, [
      'component_access_token',
      'authorizer_access_token',
    ]);
    const body = jsonBody(rawBody);
    const appid = stringField(body, 'appid', 41002);
    const owner = token.authorizerAppid ?? token.componentAppid;
    if (appid !== owner) throw new SandboxApiError(40013, 'appid does not match the token');
    this.counters.callByAccount('clear_quota', appid);
    this.clearQuotaStore.use(appid);
    return { errcode: 0, errmsg: 'ok' };
  }

  /** cgi-bin/component/clear_quota/v2: no token, the component's secret instead. */
  clearQuotaV2(rawBody: unknown) {
    const body = jsonBody(rawBody);
    const component = this.knownComponent(stringField(body, 'component_appid', 41002));
    this.checkSecret(component, body.appsecret);
    const appid = body.appid;
    if (appid !== undefined && typeof appid !== 'string') throw new SandboxApiError(47001);
    if (appid && appid !== component.appid) {
      const auth = this.authorizationStore.get(component.appid, appid);
      if (!auth || auth.status !== 'authorized') throw new SandboxApiError(40013);
    }
    const target = appid || component.appid;
    this.counters.callByAccount('clear_quota_v2', target);
    this.clearQuotaStore.use(target);
    return { errcode: 0, errmsg: 'ok' };
  }

  /** Token first (41001/40001/42001), then the body's component_appid must be the token's. */
  private authenticate(
    endpoint: string,
    query: TokenQuery,
    rawBody: unknown,
  ): { token: IssuedToken; component: SandboxComponentConfig; body: Record<string, unknown> } {
    const token = this.tokenStore.check(
      endpoint,
      query.component_access_token ?? query.access_token,
      ['component_access_token'],
    );
    const body = jsonBody(rawBody);
    const componentAppid = stringField(body, 'component_appid', 41002);
    if (componentAppid !== token.componentAppid) {
      throw new SandboxApiError(40013, 'component_appid does not match the access token');
    }
    const component = this.componentStore.get(componentAppid);
    if (!component) throw new SandboxApiError(61011);
    return { token, component, body };
  }

  private knownComponent(appid: string): SandboxComponentConfig {
    const component = this.componentStore.get(appid);
    if (component) return component;
    throw new SandboxApiError(this.accountStore.get(appid) ? 61011 : 40013);
  }

  private checkSecret(component: SandboxComponentConfig, secret: unknown): void {
    if (secret === undefined || secret === null || secret === '') throw new SandboxApiError(41004);
    if (secret !== component.secret) throw new SandboxApiError(40125);
  }
}

function authorizerInfo(account: SandboxAccount) {
  const info: Record<string, unknown> = {
    nick_name: account.nickName,
    head_img: account.headImg,
    service_type_info: { id: account.serviceType },
    verify_type_info: { id: account.verifyType },
    user_name: account.userName,
    alias: account.alias,
    qrcode_url: `http://mmbiz.qpic.cn/mmbiz_jpg/sandbox/${account.appid}/0`,
    business_info: { open_pay: 0, open_shake: 0, open_scan: 0, open_card: 0, open_store: 0 },
    idc: 1,
    principal_name: account.principalName,
    signature: account.signature,
    account_status: account.accountStatus,
    basic_config: { is_phone_configured: true, is_email_configured: true },
  };
  if (account.kind === 'mini_program') {
    info.register_type = 0;
    info.MiniProgramInfo = {
      network: {
        RequestDomain: [],
        WsRequestDomain: [],
        UploadDomain: [],
        DownloadDomain: [],
        BizDomain: [],
        UDPDomain: [],
        TCPDomain: [],
        PrefetchDNSDomain: [],
        NewRequestDomain: [],
        NewWsRequestDomain: [],
        NewUploadDomain: [],
        NewDownloadDomain: [],
        NewBizDomain: [],
        NewUDPDomain: [],
        NewTCPDomain: [],
        NewPrefetchDNSDomain: [],
      },
      categories: [{ first: '工具', second: '效率' }],
      visit_status: 0,
    };
  }
  return info;
}
