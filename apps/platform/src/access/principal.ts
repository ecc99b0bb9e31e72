import type { ApiKeyKind } from './access.entities.js';

/** Who is calling: the API key that authenticated the request (never its secret). */
export interface Principal {
  keyId: string;
  kind: ApiKeyKind;
  displayPrefix: string;
  /** Tenant keys: their tenant. */
  tenantId: string | null;
  /** Service keys: the tenants whose accounts they may use (null: all). */
  scopeTenantIds: readonly string[] | null;
  /** Service keys: the accounts they may use (null: every account in the tenant scope). */
  scopeAuthorizerAppids: readonly string[] | null;
}

/**
 * Whether the caller may see a tenant's data: operators see all, tenant keys their own, service
 * keys the tenants in their scope.
 */
export function maySeeTenant(p: Principal, tenantId: string | null): boolean {
  if (p.kind === 'operator') return true;
  if (tenantId === null) return false;
  if (p.kind === 'tenant') return p.tenantId === tenantId;
  return p.scopeTenantIds === null || p.scopeTenantIds.includes(tenantId);
}

/** Whether a service key may use an account (of a tenant it may see). */
export function mayUseAccount(
  p: Principal,
  tenantId: string | null,
  authorizerAppid: string,
): boolean {
  if (p.kind === 'operator') return true;
  if (!maySeeTenant(p, tenantId)) return false;
  return p.scopeAuthorizerAppids === null || p.scopeAuthorizerAppids.includes(authorizerAppid);
}
