import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpsServer } from '../../apps/platform/src/health/ops-server.js';
import { eventually, startStack, TestPlatform, TestStack } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

interface Report {
  status: string;
  code?: string;
  message?: string;
  reasons: string[];
  warnings: string[];
  details: Record<string, Record<string, unknown>>;
}

const OPS_TOKEN = 'ops-token-for-tests-0123456789';

/**
 * Readiness against the real database and the sandbox: the ticket's age is written into the
 * test database (the library itself must not see it as stale, or it would ask the sandbox for a
 * fresh push and heal before we look: its own threshold is set high), and a fresh push from the
 * sandbox makes it green again.
 */
describe('health: liveness, readiness and where they are served', () => {
  let stack: TestStack;
  let db: Client;

  beforeAll(async () => {
    stack = await startStack({ platform: { ticketStaleAfterSec: 86_400 } });
    db = new Client({ connectionString: stack.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await stack?.close();
  });

  const get = async (base: string, path: string, token?: string) => {
    const res = await fetch(`${base}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await res.text();
    return {
      status: res.status,
      text,
      body: (text.startsWith('{') ? JSON.parse(text) : null) as Report,
    };
  };
  const ready = (on: TestPlatform = stack.platform) => get(on.url, '/health/ready');
  const ageTicket = (seconds: number) =>
    db.query(
      `UPDATE component_verify_ticket SET create_time = now() - make_interval(secs => $2)
        WHERE component_appid = $1`,
      [stack.component.appid, seconds],
    );
  const componentKey = () => `component:${stack.component.appid}`;
  /**
   * Ages the ticket and reads readiness until the component is in `state`: a ticket push the
   * platform asked for at start-up (no ticket yet then) may still land and replace the aged one.
   */
  const aged = (seconds: number, state: string, on: TestPlatform = stack.platform) =>
    eventually(async () => {
      await ageTicket(seconds);
      const r = await ready(on);
      return r.body.details[componentKey()]?.state === state && r;
    });

  it('/health/live answers while the process runs; /health/ready and /health are ready with every check shown', async () => {
    expect(await get(stack.platform.url, '/health/live')).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    // Ready once the first ticket has minted the component token.
    const res = await eventually(async () => {
      const r = await ready();
      return r.status === 200 && r;
    });
    expect(res.body).toMatchObject({ status: 'ok', reasons: [], warnings: [] });
    expect(res.body.details.database).toMatchObject({ status: 'up' });
    expect(res.body.details[componentKey()]).toMatchObject({
      status: 'up',
      state: 'ok',
      tokenPresent: true,
      refreshDue: 0,
      reasons: [],
    });
    expect(res.body.details[componentKey()].ticketAgeSec).toBeLessThan(60);
    expect(res.body.details.notifications).toEqual({
      status: 'up',
      state: stack.db.poolSize > 1 ? 'listening' : 'off',
    });
    expect(res.body.details.jobs).toEqual({ status: 'up', failed: 0 });
    const alias = await get(stack.platform.url, '/health');
    expect(alias.status).toBe(200);
    expect(Object.keys(alias.body.details)).toEqual(Object.keys(res.body.details));
  });

  it('warns past 30 minutes of ticket age, still ready', async () => {
    const res = await aged(40 * 60, 'warn');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details[componentKey()]).toMatchObject({ status: 'up', state: 'warn' });
    expect(res.body.warnings).toHaveLength(1);
    expect(res.body.warnings[0]).toMatch(
      new RegExp(`^${stack.component.appid}: verify ticket is \\d+ s old \\(warn past 1800 s\\)$`),
    );
  });

  it('thresholds are configuration: an instance failing past 20 minutes is not ready with the same ticket', async () => {
    const strict = await stack.startInstance({
      ops: { ticketWarnAfterSec: 600, ticketFailAfterSec: 1200 },
    });
    try {
      const res = await aged(40 * 60, 'fail', strict);
      expect(res.status, res.text).toBe(503);
      expect(res.body.reasons).toEqual([
        expect.stringMatching(/verify ticket is \d+ s old \(fail past 1200 s\)$/),
      ]);
    } finally {
      await strict.stop();
    }
  });

  it('goes red past 11 hours of ticket age, with the reason in the 503 body, and green after a fresh push', async () => {
    const res = await aged(11 * 3600 + 60, 'fail');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'error', code: 'NOT_READY' });
    expect(res.body.message).toMatch(
      /^not ready: component:\S+: verify ticket is \d+ s old \(fail past 39600 s\)$/,
    );
    expect(res.body.reasons).toEqual([
      expect.stringMatching(
        new RegExp(`^${componentKey()}: verify ticket is \\d+ s old \\(fail past 39600 s\\)$`),
      ),
    ]);
    expect(res.body.details[componentKey()]).toMatchObject({ status: 'down', state: 'fail' });
    expect(res.body.details.database).toMatchObject({ status: 'up' });
    // The alias says the same; the process itself is alive.
    expect((await get(stack.platform.url, '/health')).status).toBe(503);
    expect((await get(stack.platform.url, '/health/live')).status).toBe(200);
    // No secret in the report: neither the ticket nor the token.
    const ticket = await db.query<{ c: string }>(
      'SELECT ticket_ciphertext AS c FROM component_verify_ticket WHERE component_appid = $1',
      [stack.component.appid],
    );
    expect(res.text).not.toContain(ticket.rows[0].c);

    const pushed = await stack.sandbox.pushTicket(stack.component.appid);
    expect(pushed.delivered).toBe(true);
    expect(res.text).not.toContain(pushed.ticket);
    const after = await ready();
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ status: 'ok', reasons: [], warnings: [] });
    expect(after.body.details[componentKey()]).toMatchObject({ state: 'ok' });
  });

  it('with OPS_TOKEN, /health and /metrics need the bearer token; other routes do not', async () => {
    const guarded = await stack.startInstance({ ops: { token: OPS_TOKEN } });
    try {
      for (const path of ['/health', '/health/ready', '/health/live', '/metrics']) {
        const none = await get(guarded.url, path);
        expect(none.status, path).toBe(401);
        expect(none.body.code, path).toBe('UNAUTHORIZED');
        expect((await get(guarded.url, path, 'wrong-token-0123456789')).status, path).toBe(401);
        expect((await get(guarded.url, path, OPS_TOKEN)).status, path).toBe(200);
      }
      expect((await get(guarded.url, '/metrics', OPS_TOKEN)).text).toContain(
        'wechat_component_ticket_age_seconds',
      );
      // The ticket push path is not behind the ops token.
      expect((await get(guarded.url, '/v1/me')).status).toBe(401);
    } finally {
      await guarded.stop();
    }
  });

  it('with OPS_PORT, /health and /metrics are served on the ops listener only (and the key applies there too)', async () => {
    const split = await stack.startInstance({ ops: { port: 0, token: OPS_TOKEN } });
    try {
      const ops = split.get(OpsServer).url();
      expect(ops).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const path of ['/health', '/health/ready', '/health/live', '/metrics', '/metrics?x=1']) {
        const main = await get(split.url, path, OPS_TOKEN);
        expect(main.status, path).toBe(404);
        expect(main.body.code, path).toBe('NOT_FOUND');
        expect((await get(ops!, path)).status, path).toBe(401);
        expect((await get(ops!, path, OPS_TOKEN)).status, path).toBe(200);
      }
      expect((await get(ops!, '/health/ready', OPS_TOKEN)).body.status).toBe('ok');
      // Nothing else on the ops listener; everything else still on the main port.
      expect((await get(ops!, '/v1/me', OPS_TOKEN)).status).toBe(404);
      expect((await get(ops!, '/docs', OPS_TOKEN)).status).toBe(404);
      expect((await get(split.url, '/v1/me')).status).toBe(401);
    } finally {
      await split.stop();
    }
    expect(split.get(OpsServer).url()).toBeNull();
  });

  it('a database outage: not ready naming the database, /metrics still served with what it can; back after', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(stack.db.url).port || 5432));
    await proxy.start();
    const other = await stack.startInstance({
      schedulers: false,
      database: {
        url: proxy.wrap(stack.db.url),
        embeddedDir: '',
        poolSize: 4,
        runMigrations: false,
      },
    });
    try {
      expect((await ready(other)).status).toBe(200);
      await proxy.stop();
      const down = await ready(other);
      expect(down.status).toBe(503);
      expect(down.body.reasons[0]).toMatch(/^database: /);
      expect(down.body.reasons).toContain(`${componentKey()}: cannot read its state (database)`);
      expect(down.body.details.notifications).toEqual({ status: 'up', state: 'reconnecting' });
      expect(down.body.warnings).toContain(
        'token notifications: LISTEN connection down, polling until reconnected',
      );
      expect((await get(other.url, '/health/live')).status).toBe(200);
      const metrics = await get(other.url, '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('# TYPE wechat_events_total counter');
      expect(metrics.text).toContain('process_cpu_user_seconds_total');
      expect(metrics.text).not.toMatch(/^wechat_authorizers\{/m);

      await proxy.start();
      await eventually(async () => (await ready(other)).status === 200, 15_000);
      expect((await get(other.url, '/metrics')).text).toMatch(
        new RegExp(
          `^wechat_authorizers\\{component="${stack.component.appid}",status="authorized"\\} 0$`,
          'm',
        ),
      );
    } finally {
      await other.stop();
      await proxy.stop();
    }
  });

  it('by default (no OPS_PORT) there is no ops listener', () => {
    expect(stack.platform.get(OpsServer).url()).toBeNull();
  });
});
