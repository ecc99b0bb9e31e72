/**
 * `detached`: the platform let go of the account (AuthorizerService.detach): no tokens, no
 * refreshing, until the owner authorizes again.
 */
export type AuthorizerStatus = 'authorized' | 'revoked' | 'needs_reauth' | 'detached';
export type AccountKind = 'official_account' | 'mini_program';

/** An authorized account as the registry keeps it (no secret in it). */
export interface AuthorizerRecord {
  componentAppid: string;
  authorizerAppid: string;
  tenantId: string | null;
  status: AuthorizerStatus;
  accountKind: AccountKind | null;
  nickName: string | null;
  userName: string | null;
  alias: string | null;
  principalName: string | null;
  signature: string | null;
  serviceType: number | null;
  verifyType: number | null;
  accountStatus: number | null;
  headImg: string | null;
  qrcodeUrl: string | null;
  funcInfo: number[];
  authorizedAt: Date | null;
  updatedAt: Date;
  revokedAt: Date | null;
  profileRefreshedAt: Date | null;
}

/** Profile fields from api_get_authorizer_info. */
export type AuthorizerProfile = Pick<
  AuthorizerRecord,
  | 'accountKind'
  | 'nickName'
  | 'userName'
  | 'alias'
  | 'principalName'
  | 'signature'
  | 'serviceType'
  | 'verifyType'
  | 'accountStatus'
  | 'headImg'
  | 'qrcodeUrl'
>;

/** Token health for dashboards: times and counters only, never the token. */
export interface AuthorizerTokenHealth {
  hasAccessToken: boolean;
  hasRefreshToken: boolean;
  expiresAt: Date | null;
  nextRefreshAt: Date | null;
  refreshedAt: Date | null;
  failureCount: number;
  lastErrcode: number | null;
  version: number;
}

/** What caused a change, as written to authorizer_history.cause. */
export type ChangeCause =
  | 'push:authorized'
  | 'push:updateauthorized'
  | 'push:unauthorized'
  /** A fast-registered mini program's auth_code (notify_third_fasteregister). */
  | 'push:notify_third_fasteregister'
  | 'landing'
  | 'sync'
  | 'refresh'
  | 'schedule'
  | 'api';

export interface TenantBinding {
  tenantId: string;
  /** The pre-authorization session that carried it, if any. */
  sessionId?: string;
}

/** How the registry learns which tenant an authorization belongs to (PreAuth provides it). */
export type TenantResolver = (
  componentAppid: string,
  preAuthCode: string,
) => Promise<TenantBinding | null>;

/** What to do when an account already bound to one tenant is authorized for another. */
export type TenantConflictPolicy = 'refuse' | 'move';

/** What AuthorizerService.search sorts by (then component and account appid, the same way). */
export type AuthorizerSortKey = 'authorizedAt' | 'updatedAt' | 'nickName';

/**
 * Filters of AuthorizerService.search; every one given must match. A NULL sort value (no
 * profile yet, never authorized) sorts as PostgreSQL does: last ascending, first descending.
 */
export interface AuthorizerSearch {
  /** Only this tenant's accounts (default: every tenant's, and unbound ones). */
  tenantId?: string;
  componentAppid?: string;
  /** Any of these statuses (default, or empty: any status). */
  statuses?: AuthorizerStatus[];
  accountKind?: AccountKind;
  /** A permission set (func_info id) the account granted. */
  permissionSetId?: number;
  /** Case-insensitive substring of the nick name, principal name or appid (`%` and `_` literal). */
  text?: string;
  /** Default `authorizedAt`. */
  sort?: AuthorizerSortKey;
  /** Default `desc`. */
  order?: 'asc' | 'desc';
  /** 1..200, default 50. */
  limit?: number;
  /** The previous page's nextCursor (made for the same sort and order, else INVALID_CURSOR). */
  cursor?: string;
}

/** A page of AuthorizerService.search. */
export interface AuthorizerPage {
  items: AuthorizerRecord[];
  /** Every account the filters match, not only this page. */
  total: number;
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** One refresh attempt of an account's token, as a dashboard shows it (never a token). */
export interface RefreshLogView {
  at: Date;
  /** `schedule`, `demand`, `invalid`, `redeem` or `sync`. */
  trigger: string;
  /** `ok`, `discarded_stale`, `revoked`, `needs_reauth`, `quota` or `error`. */
  result: string;
  /** WeChat's errcode when it refused. */
  errcode: number | null;
  durationMs: number;
  /** The instance that refreshed (instanceId). */
  instance: string;
}

/** A stored authorization push about an account (never the code nor the decrypted XML). */
export interface AuthorizationEventView {
  /** The event log id: ComponentEventService.replay takes it. */
  id: string;
  infoType: 'authorized' | 'updateauthorized' | 'unauthorized';
  /** WeChat's CreateTime. */
  createTime: Date;
  receivedAt: Date;
  /** What became of the push when it arrived. */
  disposition: 'applied' | 'ignored';
  /** Why it was ignored (an older push than the account's last state change), else null. */
  note: string | null;
}
