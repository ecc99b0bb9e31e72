import { describe, expect, it } from 'vitest';
import type { PreAuthSession } from '@app/wechat-open';
import type { Principal } from '../access/principal.js';
import { sessionStatus } from '../dashboard/authorization-sessions.controller.js';
import { hourWindow, pushView, tenantScope } from './insights.service.js';

const principal = (kind: Principal['kind'], tenantId: string | null): Principal => ({
  keyId: 'k',
  kind,
  displayPrefix: 'wop_',
  tenantId,
  scopeTenantIds: null,
  scopeAuthorizerAppids: null,
});

describe('hourWindow', () => {
  it('starts on a whole hour, hours - 1 before the current one, and ends now', () => {
    const now = new Date('2026-12-03T07:25:31.250Z');
    expect(hourWindow(now, 24)).toEqual({
      since: new Date('2026-12-02T08:00:00.000Z'),
      until: now,
    });
    expect(hourWindow(now, 1).since).toEqual(new Date('2026-12-03T07:00:00.000Z'));
    const onTheHour = new Date('2026-12-03T07:00:00.000Z');
    expect(hourWindow(onTheHour, 2).since).toEqual(new Date('2026-12-03T06:00:00.000Z'));
  });
});

describe('tenantScope', () => {
  it('gives an operator every tenant or the one named, a tenant key its own only', () => {
    expect(tenantScope(principal('operator', null), undefined)).toBeUndefined();
    expect(tenantScope(principal('operator', null), 'globex')).toBe('globex');
    expect(tenantScope(principal('tenant', 'acme'), undefined)).toBe('acme');
    expect(tenantScope(principal('tenant', 'acme'), 'acme')).toBe('acme');
  });

  it("answers another tenant's name as NOT_FOUND", () => {
    expect(() => tenantScope(principal('tenant', 'acme'), 'globex')).toThrow(
      expect.objectContaining({ statusCode: 404, code: 'NOT_FOUND' }),
    );
  });
});

describe('pushView', () => {
  const row = {
    id: '7',
    componentAppid: 'wxc0ffee0123456789',
    infoType: 'authorized',
    authorizerAppid: 'wxa1234567890abcd',
    createTime: new Date(0),
    receivedAt: new Date(0),
    disposition: 'applied' as const,
    note: null,
  };

  it('redacts the stored payload again, at any depth and in any case', () => {
    const view = pushView({
      ...row,
      payload: {
        AppId: 'wxc0ffee0123456789',
        AuthorizationCode: 'queryauthcode@@@leaked',
        nested: { componentverifyticket: 'ticket@@@leaked', list: [{ auth_code: 'x' }] },
      },
    });
    expect(view.payload).toEqual({
      AppId: 'wxc0ffee0123456789',
      AuthorizationCode: '[redacted]',
      nested: { componentverifyticket: '[redacted]', list: [{ auth_code: '[redacted]' }] },
    });
  });

  it('shows anything but an object as an empty payload', () => {
    for (const payload of [null, 'text', 3, ['a']]) {
      expect(pushView({ ...row, payload }).payload).toEqual({});
    }
  });
});

describe('sessionStatus', () => {
  const created = new Date('2026-12-03T07:00:00Z');
  const session: PreAuthSession = {
    id: 'x'.repeat(32),
    componentAppid: 'wxc0ffee0123456789',
    tenantId: 'acme',
    linkKind: 'pc',
    authType: 3,
    bizAppid: null,
    categoryIdList: null,
    returnUrl: 'https://example.com/',
    createdAt: created,
    expiresAt: new Date('2026-12-03T07:30:00Z'),
    openedAt: null,
    consumedAt: null,
    authorizerAppid: null,
    outcome: null,
  };
  const before = new Date('2026-12-03T07:10:00Z');
  const after = new Date('2026-12-03T07:31:00Z');

  it('is created, then opened, until it expires unused', () => {
    expect(sessionStatus(session, before)).toBe('created');
    expect(sessionStatus({ ...session, openedAt: before }, before)).toBe('opened');
    expect(sessionStatus({ ...session, openedAt: before }, after)).toBe('expired');
    expect(sessionStatus(session, after)).toBe('expired');
  });

  it('is completed or refused once consumed, whatever the time', () => {
    const used = { ...session, openedAt: before, consumedAt: before, authorizerAppid: 'wxa1' };
    expect(sessionStatus({ ...used, outcome: 'ok' }, after)).toBe('completed');
    expect(sessionStatus({ ...used, outcome: 'TENANT_CONFLICT' }, before)).toBe('refused');
    expect(sessionStatus({ ...used, outcome: 'AUTHORIZATION_CANCELLED' }, before)).toBe('refused');
  });
});
