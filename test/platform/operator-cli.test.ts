import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../apps/platform/src/cli.js';
import { SchedulerRegistry } from '@nestjs/schedule';
import {
  environmentContext,
  OperatorContext,
} from '../../apps/platform/src/cli/operator-commands.js';
import { OperatorService } from '../../apps/platform/src/operator/operator.service.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { authorizeAccount } from '../support/accounts.js';
import { createEmptyDatabase, EmptyDatabase } from '../support/empty-database.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

type Json = Record<string, unknown>;

/**
 * The operator CLI end to end: the commands run against a platform instance on a real
 * PostgreSQL and the sandbox (the instance's Nest context stands in for the one the CLI boots
 * from the environment), their table and their --json checked.
 */
describe('operator CLI', () => {
  let stack: TestStack;
  let c: string;
  let context: OperatorContext;

  const cli = async (args: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(
      args,
      { out: (s) => (out += s), err: (s) => (err += s), stdin: () => '' },
      context,
    );
    return { code, out, err };
  };
  const json = async <T = Json>(args: string[]): Promise<T> => {
    const r = await cli([...args, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.out) as T;
  };
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: stack.db.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    stack = await startStack();
    c = stack.component.appid;
    context = (fn) => fn(stack.platform.app);
  });
  afterAll(() => stack?.close());

  it('components: each component health, a table and JSON', async () => {
    const items = await eventually(async () => {
      const r = await json<Json[]>(['components']);
      return (r[0]?.token as Json | undefined)?.present ? r : null;
    });
    expect(items).toEqual([
      {
        appid: c,
        ticket: { present: true, ageSec: expect.any(Number), stale: false, rejectedErrcode: null },
        token: { present: true, expiresAt: expect.any(String), refreshedAt: expect.any(String) },
        refreshBacklog: { due: 0, oldestDueAt: null, failing: 0 },
        failedJobs: 0,
        lastErrcodes: [],
      },
    ]);
    const table = await cli(['components']);
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^COMPONENT\s+TICKET_AGE_S\s+TICKET_STALE\s+TOKEN_EXPIRES\s+BACKLOG/);
    expect(lines[1]).toMatch(
      new RegExp(`^${c}\\s+\\d+\\s+false\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+0\\s+0\\s+0$`),
    );
    expect(lines).toHaveLength(2);
  });

  it('authorizers list / show: filters, table, JSON, never a token', async () => {
    const account = await authorizeAccount(stack);
    const other = await authorizeAccount(stack, 'mini_program');
    const listed = await json<{ total: number; items: Json[] }>(['authorizers', 'list']);
    expect(listed.total).toBe(2);
    expect(listed.items.map((i) => i.authorizerAppid).sort()).toEqual(
      [account.appid, other.appid].sort(),
    );
    const q = await json<{ total: number; items: Json[] }>([
      'authorizers',
      'list',
      '--q',
      other.nickName,
      '--status',
      'authorized',
      '--limit',
      '5',
    ]);
    expect(q.items).toEqual([
      expect.objectContaining({
        authorizerAppid: other.appid,
        componentAppid: c,
        status: 'authorized',
        accountKind: 'mini_program',
        nickName: other.nickName,
      }),
    ]);
    const limited = await cli(['authorizers', 'list', '--limit', '1']);
    expect(limited.code).toBe(0);
    expect(limited.out).toMatch(/^AUTHORIZER\s+COMPONENT\s+STATUS\s+KIND\s+NICK_NAME/);
    expect(limited.out).toContain('(1 of 2; see --limit)');
    const none = await json<{ total: number }>(['authorizers', 'list', '--status', 'revoked']);
    expect(none.total).toBe(0);

    const shown = await json(['authorizers', 'show', c, account.appid]);
    expect(shown).toMatchObject({
      authorizerAppid: account.appid,
      status: 'authorized',
      nickName: account.nickName,
      tokenHealth: { hasAccessToken: true, hasRefreshToken: true, failures: 0 },
    });
    const table = await cli(['authorizers', 'show', c, account.appid]);
    expect(table.out).toMatch(new RegExp(`^authorizer\\s+${account.appid}$`, 'm'));
    expect(table.out).toMatch(/^token expires\s+\d{4}-/m);

    // Nothing printed holds a token or the refresh token the sandbox issued.
    const rows = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM authorizer_token WHERE authorizer_appid = $1`,
      [account.appid],
    );
    expect(rows[0].n).toBe(1);
    expect(JSON.stringify(shown)).not.toMatch(/token"\s*:\s*"/i);
  });

  it('authorizers refresh: a new token through api_authorizer_token, and the profile', async () => {
    const account = await authorizeAccount(stack);
    const before = (await stack.sandbox.counters()).calls.api_authorizer_token ?? 0;
    const profileBefore = (await stack.sandbox.counters()).calls.api_get_authorizer_info ?? 0;
    const r = await json(['authorizers', 'refresh', c, account.appid, '--profile']);
    expect(r).toEqual({
      componentAppid: c,
      authorizerAppid: account.appid,
      tokenExpiresAt: expect.any(String),
      profileRefreshed: true,
    });
    const counters = await stack.sandbox.counters();
    expect(counters.calls.api_authorizer_token).toBe(before + 1);
    expect(counters.calls.api_get_authorizer_info).toBe(profileBefore + 1);
    const line = await cli(['authorizers', 'refresh', c, account.appid]);
    expect(line.code).toBe(0);
    expect(line.out).toMatch(
      new RegExp(`^${account.appid}: token refreshed, expires \\d{4}-\\S+\\n$`),
    );
    expect((await stack.sandbox.counters()).calls.api_authorizer_token).toBe(before + 2);
  });

  it('errors: one line with the code on standard error, exit 1', async () => {
    const unknown = await cli(['authorizers', 'show', c, 'wx0000000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.out).toBe('');
    expect(unknown.err).toMatch(/^error: AUTHORIZER_NOT_FOUND: [^\n]+\n$/);
    const component = await cli(['quota', 'wxc0000000000000000', '/cgi-bin/x']);
    expect(component).toEqual({ code: 1, out: '', err: 'error: NOT_FOUND: component not found\n' });
    const path = await cli(['quota', c, 'cgi-bin/../x']);
    expect(path.code).toBe(1);
    expect(path.err).toMatch(/^error: INVALID_QUERY: /);
    const status = await cli(['authorizers', 'list', '--status', 'nope']);
    expect(status.code).not.toBe(0);
    expect(status.err).toContain('--status is one of');
  });

  it('sync-authorizers: what changed, with progress lines off a terminal', async () => {
    const r = await cli(['sync-authorizers', '--component', c]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^${c}: \\d+ listed, 0 new, 0 recovered\\n$`));
    expect(r.err).toMatch(new RegExp(`^${c}: \\d+/\\d+ accounts\\n`));
    expect(r.err).not.toContain('\r');
    const j = await cli(['sync-authorizers', '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out)).toEqual([
      { componentAppid: c, seen: expect.any(Number), created: 0, recovered: 0 },
    ]);
  });

  it('quota and rid: WeChat diagnostics, table and JSON', async () => {
    const q = await json(['quota', c, '/cgi-bin/component/api_get_authorizer_list']);
    expect(q).toMatchObject({
      componentAppid: c,
      cgiPath: '/cgi-bin/component/api_get_authorizer_list',
      dailyLimit: expect.any(Number),
      used: expect.any(Number),
      remain: expect.any(Number),
    });
    const table = await cli(['quota', c, '/cgi-bin/component/api_get_authorizer_list']);
    expect(table.out).toMatch(/^CGI_PATH\s+DAILY_LIMIT\s+USED\s+REMAIN\n\/cgi-bin\/\S+\s+\d+/);

    const res = await fetch(`${stack.sandbox.url}/cgi-bin/component/clear_quota/v2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ component_appid: c, appsecret: 'not-the-secret' }),
    });
    const failed = (await res.json()) as Json;
    const rid = /rid: (\S+)$/.exec(String(failed.errmsg))![1];
    const info = await json(['rid', c, rid]);
    expect(info).toMatchObject({ rid, clientIp: '127.0.0.1' });
    expect(JSON.stringify(info)).not.toContain('not-the-secret');
    const shown = await cli(['rid', c, rid]);
    expect(shown.out).toMatch(new RegExp(`^rid\\s+${rid}$`, 'm'));
    expect(shown.out).not.toContain('not-the-secret');
    const missing = await cli(['rid', c, 'not-a-rid!']);
    expect(missing.err).toMatch(/^error: RID_NOT_FOUND: /);
  });

  it('events replay: a stored push handled again; a credential-bearing one refused', async () => {
    const account = await authorizeAccount(stack);
    await stack.sandbox.revoke(c, account.appid);
    const events = await eventually(async () => {
      const rows = await query<{ id: string; info_type: string }>(
        `SELECT id::text, info_type FROM wechat_event_log
          WHERE component_appid = $1 AND authorizer_appid = $2 ORDER BY id`,
        [c, account.appid],
      );
      return rows.some((r) => r.info_type === 'unauthorized') ? rows : null;
    });
    const byType = (t: string) => events.find((e) => e.info_type === t)!.id;
    const id = byType('unauthorized');
    expect(await json(['events', 'replay', c, id])).toEqual({
      eventId: id,
      infoType: 'unauthorized',
      disposition: 'applied',
      note: null,
    });
    const line = await cli(['events', 'replay', c, id]);
    expect(line.out).toBe(`${id}: unauthorized applied\n`);
    const refused = await cli(['events', 'replay', c, byType('authorized')]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error: EVENT_NOT_REPLAYABLE: /);
  });

  it('boots from the environment with schedulers off: no cron, logs kept off standard output', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      DATABASE_URL: stack.db.url,
      WECHAT_API_BASE_URL: stack.sandbox.url,
      WECHAT_COMPONENTS: JSON.stringify([stack.component]),
      DATA_ENCRYPTION_KEYS: `t1:${Buffer.alloc(32, 7).toString('base64')}`,
      LOG_LEVEL: 'info',
    });
    try {
      let err = '';
      const crons = await environmentContext((s) => (err += s))(async (app) => {
        const listed = await app.get(OperatorService, { strict: false }).components();
        expect(listed.map((c) => c.appid)).toEqual([c]);
        return app.get(SchedulerRegistry, { strict: false }).getCronJobs().size;
      });
      expect(crons).toBe(0);
      expect(err).not.toMatch(/error/i);
      let out = '';
      const code = await runCli(['components', '--json'], {
        out: (s) => (out += s),
        err: () => undefined,
        stdin: () => '',
      });
      expect(code).toBe(0);
      expect((JSON.parse(out) as Json[])[0].appid).toBe(c);
    } finally {
      process.env = saved;
    }
  });
});

/**
 * `migrate status` through the CLI against a fresh database (DATABASE_URL, as an operator runs
 * it): every migration of the build pending before `migrate run`, none after.
 */
describe('operator CLI: migrate status', () => {
  let db: EmptyDatabase;
  beforeAll(async () => {
    db = await createEmptyDatabase();
  });
  afterAll(() => db?.drop());

  const cli = async (args: string[]) => {
    let out = '';
    let err = '';
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = db.url;
    try {
      const code = await runCli(args, {
        out: (s) => (out += s),
        err: (s) => (err += s),
        stdin: () => '',
      });
      return { code, out, err };
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  };
  const status = async () => {
    const r = await cli(['migrate', 'status', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.out) as { name: string; timestamp: number; state: string }[];
  };
  const names = MIGRATIONS.map((M) => new M().name ?? M.name);

  it('lists every migration pending on a fresh database, none after migrate run', async () => {
    const before = await status();
    expect(before.map((m) => m.name)).toEqual(
      [...names].sort((a, b) => Number(a.slice(-13)) - Number(b.slice(-13))),
    );
    expect(before.every((m) => m.state === 'pending')).toBe(true);
    expect(before.every((m) => `${m.timestamp}` === m.name.slice(-13))).toBe(true);
    const table = await cli(['migrate', 'status']);
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^MIGRATION\s+STATE$/);
    expect(lines[1]).toMatch(new RegExp(`^${before[0].name}\\s+pending$`));
    expect(lines.at(-1)).toBe(`0 applied, ${names.length} pending`);
    expect(lines).toHaveLength(names.length + 2);

    const run = await cli(['migrate', 'run']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);

    const after = await status();
    expect(after.map((m) => m.name)).toEqual(before.map((m) => m.name));
    expect(after.filter((m) => m.state !== 'applied')).toEqual([]);
    expect((await cli(['migrate', 'status'])).out.trimEnd().split('\n').at(-1)).toBe(
      `${names.length} applied, 0 pending`,
    );
  }, 120_000);
});
