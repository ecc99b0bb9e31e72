import { Injectable } from '@nestjs/common';
import {
  AuthorizerTokenService,
  IssuedToken,
  JsApiService,
  JsSdkConfig,
  WechatApiError,
  WechatResponse,
} from '@app/wechat-open';
import { ApiError, notFound } from '../common/api-error.js';
import { TenantsService } from '../access/tenants.service.js';
import { mayUseAccount, Principal } from '../access/principal.js';
import { AccountDirectory } from './account-directory.js';
import { CallRequest } from './call-request.js';
import { SecretAccessLog } from './secret-access-log.service.js';

const APPID = /^wx[0-9a-zA-Z]{6,30}$/;

/** The account a request names, once the caller may use it. */
export interface AccountRef {
  componentAppid: string;
  authorizerAppid: string;
  tenantId: string | null;
}

/** Who asks, for the audit trail. */
export interface Caller {
  principal: Principal;
  requestId: string | null;
}

/**
 * The token API for services: an account's token, a report that WeChat refused it, JS-SDK
 * configs and calls on the account's behalf. Every secret handed out or used is recorded
 * (SecretAccessLog) before the answer leaves.
 */
@Injectable()
export class TokenApiService {
  constructor(
    private readonly tokens: AuthorizerTokenService,
    private readonly jsapi: JsApiService,
    private readonly tenants: TenantsService,
    private readonly directory: AccountDirectory,
    private readonly log: SecretAccessLog,
  ) {}

  /**
   * The account, if the caller may use it. An account outside the key's scope, an unknown one,
   * one of an unknown component and a malformed appid are the same 404: nothing tells them apart.
   */
  async account(
    principal: Principal,
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<AccountRef> {
    if (!APPID.test(componentAppid) || !APPID.test(authorizerAppid)) throw notFound('account');
    // Out of an account-scoped key's list: refused without a lookup.
    if (
      principal.scopeAuthorizerAppids &&
      !principal.scopeAuthorizerAppids.includes(authorizerAppid)
    )
      throw notFound('account');
    const facts = await this.directory.find(componentAppid, authorizerAppid);
    if (!facts || !mayUseAccount(principal, facts.tenantId, authorizerAppid))
      throw notFound('account');
    return { componentAppid, authorizerAppid, tenantId: facts.tenantId };
  }

  async accessToken(caller: Caller, account: AccountRef): Promise<IssuedToken> {
    const token = await this.tokens.getAuthorizerToken(
      account.authorizerAppid,
      account.componentAppid,
    );
    await this.record(caller, account, 'access_token');
    return token;
  }

  /** At most one refresh however many report the same token (see AuthorizerTokenService). */
  async rejected(caller: Caller, account: AccountRef, rejectedToken: string): Promise<IssuedToken> {
    const token = await this.tokens.rejectToken(
      account.authorizerAppid,
      rejectedToken,
      account.componentAppid,
    );
    await this.record(caller, account, 'token_rejected');
    return token;
  }

  /** Only for pages on the account's tenant's JS-SDK domains. */
  async jsSdkConfig(
    caller: Caller,
    account: AccountRef,
    url: string,
    jsApiList: string[],
  ): Promise<JsSdkConfig> {
    const domains = account.tenantId
      ? ((await this.tenants.find(account.tenantId))?.jssdkDomains ?? [])
      : [];
    const page = URL.canParse(url) ? new URL(url) : null;
    if (!page || (page.protocol !== 'http:' && page.protocol !== 'https:') || page.username)
      throw new ApiError(400, 'JSSDK_URL_INVALID', 'url must be an absolute http(s) URL');
    const host = page.host.toLowerCase();
    const hostname = page.hostname.toLowerCase();
    if (!domains.includes(host) && !domains.includes(hostname))
      throw new ApiError(
        400,
        'JSSDK_DOMAIN_NOT_ALLOWED',
        account.tenantId
          ? `${hostname} is not one of the tenant's jssdkDomains`
          : 'the account belongs to no tenant, so no JS-SDK domain is allowed',
      );
    const config = await this.jsapi.getJsSdkConfig(
      account.authorizerAppid,
      url,
      jsApiList,
      account.componentAppid,
    );
    await this.record(caller, account, 'jssdk_config');
    return config;
  }

  /**
   * A WeChat API call on the account's behalf (the token added, one retry after a 40001-style
   * refusal). Whatever WeChat answered is returned as it is, a non-zero errcode included: that
   * is WeChat's answer to the call, not a failure of the platform.
   */
  async call(caller: Caller, account: AccountRef, request: CallRequest): Promise<WechatResponse> {
    // Recorded before the token is used: a call is never made unrecorded.
    await this.record(caller, account, 'call');
    try {
      return await this.tokens.call(account.authorizerAppid, request.path, {
        componentAppid: account.componentAppid,
        method: request.method,
        query: request.query,
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
    } catch (error) {
      if (error instanceof WechatApiError) return { errcode: error.errcode, errmsg: error.errmsg };
      throw error;
    }
  }

  private record(
    caller: Caller,
    account: AccountRef,
    action: 'access_token' | 'token_rejected' | 'jssdk_config' | 'call',
  ): Promise<void> {
    return this.log.record({
      apiKeyId: caller.principal.keyId,
      action,
      componentAppid: account.componentAppid,
      authorizerAppid: account.authorizerAppid,
      tenantId: account.tenantId,
      requestId: caller.requestId,
    });
  }
}
