import { describe, expect, it } from 'vitest';
import { OPS_DEFAULTS } from '../config/platform-config.js';
import { judgeComponent } from './readiness.judge.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const fresh = {
  ticketAgeSec: 60,
  tokenExpiresAt: new Date(now + 3600_000),
  oldestDueAt: null,
  refreshDue: 0,
};

describe('judgeComponent', () => {
  it('is ok with a fresh ticket, a valid token and no backlog', () => {
    expect(judgeComponent(fresh, OPS_DEFAULTS, now)).toEqual({ verdict: 'ok', reasons: [] });
  });

  it('warns past 30 minutes and fails past 11 hours of ticket age', () => {
    expect(judgeComponent({ ...fresh, ticketAgeSec: 1801 }, OPS_DEFAULTS, now).verdict).toBe(
      'warn',
    );
    expect(judgeComponent({ ...fresh, ticketAgeSec: 39_600 }, OPS_DEFAULTS, now).verdict).toBe(
      'warn',
    );
    const stale = judgeComponent({ ...fresh, ticketAgeSec: 39_601 }, OPS_DEFAULTS, now);
    expect(stale.verdict).toBe('fail');
    expect(stale.reasons[0]).toMatch(/verify ticket is 39601 s old/);
    expect(judgeComponent({ ...fresh, ticketAgeSec: null }, OPS_DEFAULTS, now).verdict).toBe(
      'fail',
    );
  });

  it('fails without a valid component token', () => {
    expect(judgeComponent({ ...fresh, tokenExpiresAt: null }, OPS_DEFAULTS, now).reasons).toEqual([
      'no component_access_token',
    ]);
    expect(
      judgeComponent({ ...fresh, tokenExpiresAt: new Date(now) }, OPS_DEFAULTS, now).verdict,
    ).toBe('fail');
  });

  it('judges the refresh backlog by how long its oldest token is overdue', () => {
    const due = (sec: number) => ({
      ...fresh,
      refreshDue: 3,
      oldestDueAt: new Date(now - sec * 1000),
    });
    expect(judgeComponent(due(10), OPS_DEFAULTS, now).verdict).toBe('ok');
    expect(judgeComponent(due(301), OPS_DEFAULTS, now).verdict).toBe('warn');
    expect(judgeComponent(due(1201), OPS_DEFAULTS, now).reasons).toEqual([
      '3 token(s) past their planned refresh, the oldest by 1201 s (fail past 1200 s)',
    ]);
  });
});
