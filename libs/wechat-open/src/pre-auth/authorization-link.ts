/** The two authorization pages of wechat-protocol.md §4.4. */
export type LinkKind = 'pc' | 'mobile';

/** auth_type values WeChat accepts (§4.4): 1 OA, 2 MP, 3 both, 4 promoters, 5 Channels, 6 all, 8 sales helpers. */
export const AUTH_TYPES = [1, 2, 3, 4, 5, 6, 8] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export interface AuthorizationLinkInput {
  kind: LinkKind;
  componentAppid: string;
  preAuthCode: string;
  /** Where WeChat sends the browser back; must be on the platform's authorization domain. */
  redirectUri: string;
  authType: AuthType;
  /** Restrict to one account (its admin alone can complete). */
  bizAppid?: string;
  /** Restrict the permission sets offered (PC page only in WeChat's docs; sent on both). */
  categoryIdList?: number[];
  /** Default https://mp.weixin.qq.com (PC page host). */
  mpBaseUrl?: string;
  /** Default https://open.weixin.qq.com (mobile page host). */
  openBaseUrl?: string;
}

/**
 * Builds the authorization URL exactly as WeChat documents it: parameters in WeChat's order,
 * redirect_uri percent-encoded like encodeURIComponent, `|` between category ids, and the
 * `#wechat_redirect` suffix on the mobile page.
 */
export function buildAuthorizationLink(input: AuthorizationLinkInput): string {
  const params: [string, string][] = [];
  if (input.kind === 'mobile') params.push(['action', 'bindcomponent'], ['no_scan', '1']);
  params.push(
    ['component_appid', input.componentAppid],
    ['pre_auth_code', input.preAuthCode],
    ['redirect_uri', input.redirectUri],
    ['auth_type', String(input.authType)],
  );
  if (input.bizAppid) params.push(['biz_appid', input.bizAppid]);
  if (input.categoryIdList?.length)
    params.push(['category_id_list', input.categoryIdList.join('|')]);
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  if (input.kind === 'pc') {
    return `${trim(input.mpBaseUrl ?? 'https://mp.weixin.qq.com')}/cgi-bin/componentloginpage?${query}`;
  }
  return `${trim(input.openBaseUrl ?? 'https://open.weixin.qq.com')}/wxaopen/safe/bindcomponent?${query}#wechat_redirect`;
}

function trim(base: string): string {
  return base.replace(/\/+$/, '');
}
