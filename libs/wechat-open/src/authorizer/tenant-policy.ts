import { AuthorizerRecord, TenantBinding, TenantConflictPolicy } from './authorizer.types.js';

export interface TenantDecision {
  tenantId: string | null;
  /** 'tenant_conflict' when the account stays with its previous tenant. */
  outcome: 'ok' | 'tenant_conflict';
}

/**
 * Which tenant an account belongs to after an authorization that carries `tenant`: an unbound
 * account takes it, a bound one keeps its tenant unless the policy is `move`.
 */
export function decideTenant(
  before: AuthorizerRecord | null,
  tenant: TenantBinding | null | undefined,
  policy: TenantConflictPolicy,
): TenantDecision {
  const current = before?.tenantId ?? null;
  if (!tenant || current === null || current === tenant.tenantId) {
    return { tenantId: tenant?.tenantId ?? current, outcome: 'ok' };
  }
  if (policy === 'move') return { tenantId: tenant.tenantId, outcome: 'ok' };
  return { tenantId: current, outcome: 'tenant_conflict' };
}
