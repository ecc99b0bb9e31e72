export type AuthorizerStatus = 'authorized' | 'revoked' | 'needs_reauth';
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
