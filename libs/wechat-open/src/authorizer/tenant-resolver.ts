/**
 * Injection token of the TenantResolver (authorizer.types.ts): which tenant a pre_auth_code was
 * created for. The PreAuth module provides it; without it, only callers that name the tenant
 * (the landing, redeemAuthCode) bind one.
 */
export const TENANT_RESOLVER = Symbol('WECHAT_OPEN_TENANT_RESOLVER');
