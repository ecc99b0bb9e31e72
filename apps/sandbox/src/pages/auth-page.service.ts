import { Injectable } from '@nestjs/common';
import { AuthPageError, SandboxApiError } from '../common/sandbox-api.error.js';
import { AuthorizationService, GrantResult } from '../push/authorization.service.js';
import { SandboxComponentConfig } from '../sandbox.options.js';
import { AccountStore, SandboxAccount } from '../state/account.store.js';
import { AuthorizationStore } from '../state/authorization.store.js';
import { ComponentStore } from '../state/component.store.js';
import { PreAuthCodeStore } from '../state/pre-auth-code.store.js';
import { AuthPageModel } from './auth-page.html.js';

export type PageParams = Record<string, string | string[] | undefined>;

const AUTH_TYPES = new Set([1, 2, 3, 4, 5, 6, 8]);
/** Accounts in these states are never offered (deregistered, banned, frozen). */
const LISTED_STATUSES = new Set([1, 18]);
export const CONFIRM_PATH = '/cgi-bin/componentloginpage/confirm';

interface ValidatedLink {
  component: SandboxComponentConfig;
  preAuthCode: string;
  redirectUri: string;
  authType: number;
  bizAppid?: string;
  categoryIdList?: string;
  accounts: { account: SandboxAccount; sets: number[] }[];
}

function single(params: PageParams, name: string): string | undefined {
  const value = params[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** Host match for 授权发起页域名: `host:port` must match exactly, a bare host any port. */
function onDomain(url: URL, authDomain: string): boolean {
  return authDomain.includes(':') ? url.host === authDomain : url.hostname === authDomain;
}

/**
 * The authorization pages (componentloginpage and bindcomponent): the Referer rule, parameter
 * and pre_auth_code checks, which accounts the link allows, and the confirm step.
 */
@Injectable()
export class AuthPageService {
  constructor(
    private readonly componentStore: ComponentStore,
    private readonly accountStore: AccountStore,
    private readonly authorizationStore: AuthorizationStore,
    private readonly preAuthCodeStore: PreAuthCodeStore,
    private readonly authorizations: AuthorizationService,
  ) {}

  /** Validates the link as opened by a browser; returns the page model. */
  open(params: PageParams, referer: string | undefined): AuthPageModel {
    const componentAppid = single(params, 'component_appid');
    const component = componentAppid ? this.componentStore.get(componentAppid) : undefined;
    if (!component) throw new AuthPageError(400, 'component_appid is missing or unknown', 61011);
    if (!referer) {
      throw new AuthPageError(
        403,
        '请从第三方平台的授权发起页打开此链接 (no Referer: open this link from a page on the authorization domain)',
      );
    }
    let refererUrl: URL;
    try {
      refererUrl = new URL(referer);
    } catch {
      throw new AuthPageError(403, 'the Referer is not a URL');
    }
    if (component.authDomain && !onDomain(refererUrl, component.authDomain)) {
      throw new AuthPageError(
        403,
        `请确认授权入口页所在域名，与授权后回调页所在域名相同 (Referer host ${refererUrl.host} is not ${component.authDomain})`,
      );
    }
    const link = this.validate(component, params);
    return {
      componentAppid: component.appid,
      preAuthCode: link.preAuthCode,
      redirectUri: link.redirectUri,
      authType: link.authType,
      bizAppid: link.bizAppid,
      categoryIdList: link.categoryIdList,
      confirmPath: CONFIRM_PATH,
      accounts: link.accounts.map(({ account, sets }) => ({
        account,
        sets,
        authorizedSets:
          this.authorizationStore.get(component.appid, account.appid)?.status === 'authorized'
            ? this.authorizationStore.get(component.appid, account.appid)!.funcInfo
            : undefined,
      })),
    };
  }

  /** The confirm button: consumes the pre_auth_code and grants; returns where to redirect. */
  async confirm(form: PageParams): Promise<{ location: string; grant: GrantResult }> {
    const componentAppid = single(form, 'component_appid');
    const component = componentAppid ? this.componentStore.get(componentAppid) : undefined;
    if (!component) throw new AuthPageError(400, 'component_appid is missing or unknown', 61011);
    const link = this.validate(component, form);
    const authorizerAppid = single(form, 'authorizer_appid');
    const offer = link.accounts.find((a) => a.account.appid === authorizerAppid);
    if (!offer) throw new AuthPageError(400, 'this account cannot authorize with this link');
    const raw = form.func_info;
    const chosen = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(Number);
    if (chosen.length === 0) throw new AuthPageError(400, 'choose at least one permission set');
    if (chosen.some((id) => !offer.sets.includes(id))) {
      throw new AuthPageError(400, 'a chosen permission set is not offered by this link');
    }
    this.preAuthCodeStore.consume(component.appid, link.preAuthCode);
    const grant = await this.authorizations.grant({
      componentAppid: component.appid,
      authorizerAppid: offer.account.appid,
      funcInfo: chosen,
      preAuthCode: link.preAuthCode,
    });
    const location = new URL(link.redirectUri);
    location.searchParams.append('auth_code', grant.authCode);
    location.searchParams.append('expires_in', String(grant.expiresIn));
    return { location: location.toString(), grant };
  }

  private validate(component: SandboxComponentConfig, params: PageParams): ValidatedLink {
    const preAuthCode = single(params, 'pre_auth_code');
    if (!preAuthCode) throw new AuthPageError(400, 'pre_auth_code is missing', 61009);
    try {
      this.preAuthCodeStore.check(component.appid, preAuthCode);
    } catch (error) {
      if (error instanceof SandboxApiError) {
        throw new AuthPageError(400, `pre_auth_code: ${error.message}`, error.errcode);
      }
      throw error;
    }
    const redirect = single(params, 'redirect_uri');
    if (!redirect) throw new AuthPageError(400, 'redirect_uri is missing');
    let redirectUrl: URL;
    try {
      redirectUrl = new URL(redirect);
    } catch {
      throw new AuthPageError(400, 'redirect_uri is not an absolute URL');
    }
    if (redirectUrl.protocol !== 'http:' && redirectUrl.protocol !== 'https:') {
      throw new AuthPageError(400, 'redirect_uri must be http or https');
    }
    if (component.authDomain && !onDomain(redirectUrl, component.authDomain)) {
      throw new AuthPageError(
        403,
        `redirect_uri host ${redirectUrl.host} is not the authorization domain ${component.authDomain}`,
      );
    }
    const authTypeText = single(params, 'auth_type') ?? '3';
    const authType = Number(authTypeText);
    if (!/^\d+$/.test(authTypeText) || !AUTH_TYPES.has(authType)) {
      throw new AuthPageError(400, `auth_type ${authTypeText} is not one of 1,2,3,4,5,6,8`);
    }
    const categoryIdList = single(params, 'category_id_list');
    let categories: number[] | undefined;
    if (categoryIdList !== undefined) {
      const parts = categoryIdList.split('|');
      if (parts.some((p) => !/^\d+$/.test(p))) {
        throw new AuthPageError(400, 'category_id_list must be ids separated by |');
      }
      categories = parts.map(Number);
    }
    const bizAppid = single(params, 'biz_appid');
    let candidates: SandboxAccount[];
    if (bizAppid !== undefined) {
      // biz_appid wins over auth_type (§4.4).
      const account = this.accountStore.get(bizAppid);
      if (!account) throw new AuthPageError(400, `biz_appid ${bizAppid} is not an account`);
      candidates = [account];
    } else {
      const kinds =
        authType === 1
          ? ['official_account']
          : authType === 2
            ? ['mini_program']
            : authType === 3 || authType === 6
              ? ['official_account', 'mini_program']
              : [];
      candidates = this.accountStore.list().filter((a) => kinds.includes(a.kind));
    }
    const accounts = candidates
      .filter((a) => LISTED_STATUSES.has(a.accountStatus))
      .map((account) => {
        if (!categories) return { account, sets: account.funcInfo };
        const allowed = account.funcInfo.filter((id) => categories.includes(id));
        return { account, sets: allowed.length > 0 ? allowed : categories };
      });
    return {
      component,
      preAuthCode,
      redirectUri: redirect,
      authType,
      bizAppid,
      categoryIdList,
      accounts,
    };
  }
}
