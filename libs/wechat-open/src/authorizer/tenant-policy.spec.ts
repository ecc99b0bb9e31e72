import { describe, expect, it } from 'vitest';
import { blankRecord } from './authorizer-record.js';
import { decideTenant } from './tenant-policy.js';

const bound = (tenantId: string | null) => ({
  ...blankRecord('wxcomponent', 'wxaccount'),
  tenantId,
});

describe('decideTenant', () => {
  it('binds an unknown or unbound account to the tenant the authorization carries', () => {
    expect(decideTenant(null, { tenantId: 't1' }, 'refuse')).toEqual({
      tenantId: 't1',
      outcome: 'ok',
    });
    expect(decideTenant(bound(null), { tenantId: 't1' }, 'refuse')).toEqual({
      tenantId: 't1',
      outcome: 'ok',
    });
  });

  it('keeps the tenant when the authorization carries none or the same one', () => {
    expect(decideTenant(bound('t1'), null, 'refuse')).toEqual({ tenantId: 't1', outcome: 'ok' });
    expect(decideTenant(bound('t1'), { tenantId: 't1' }, 'refuse')).toEqual({
      tenantId: 't1',
      outcome: 'ok',
    });
    expect(decideTenant(null, undefined, 'move')).toEqual({ tenantId: null, outcome: 'ok' });
  });

  it('refuses to move a bound account to another tenant unless the policy is move', () => {
    expect(decideTenant(bound('t1'), { tenantId: 't2' }, 'refuse')).toEqual({
      tenantId: 't1',
      outcome: 'tenant_conflict',
    });
    expect(decideTenant(bound('t1'), { tenantId: 't2' }, 'move')).toEqual({
      tenantId: 't2',
      outcome: 'ok',
    });
  });
});
