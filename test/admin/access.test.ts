import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../apps/platform/src/cli.js';
import { apiClient, tenantWithKey } from '../support/admin-api.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

/** Every row of every table of the public schema, as text: what a plain dump would hold. */
async function dumpAsText(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT quote_ident(table_name) AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const parts: string[] = [];
    for (const t of tables) {
      const { rows } = await client.query<{ row: string }>(
        `SELECT t::text AS row FROM ${t.name} t`,
      );
      parts.push(...rows.map((r) => r.row));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

describe('admin API access: keys, tenants, isolation, validation, rate limits', () => {
  let stack: TestStack;
  const logs: string[] = [];
  let operator: string;

  beforeAll(async () => {
    stack = await startStack({
      initialTicket: false,
      platform: {
        schedulers: false,
        logLevel: 'debug',
        rateLimits: { adminPerMin: 40, tokenApiPerMin: 1000 },
      },
      logStream: { write: (line: string) => void logs.push(line) },
    });
    // The first operator key comes from the CLI, as on a new installation.
    let out = '';
    let err = '';
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = stack.db.url;
    try {
      const code = await runCli(['create-operator-key', '--name', 'first operator'], {
        out: (s) => (out += s),
        err: (s) => (err += s),
        stdin: () => '',
      });
      expect(code, err).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
    operator = out.trim();
    expect(operator).toMatch(/^wop_op_/);
    expect(err).toContain('shown once');
  });
  afterAll(() => stack?.close());

  it('the CLI-made operator key opens the operator endpoints', async () => {
    const r = await apiClient(stack.platform, operator).get('/v1/tenants');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ items: [] });
  });

  it('answers every refusal in one shape, with the request id of the x-request-id header', async () => {
    const none = await apiClient(stack.platform).get('/v1/tenants', { 'x-request-id': 'req-1' });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({
      statusCode: 401,
      code: 'AUTH_MISSING',
      message: expect.any(String),
      requestId: 'req-1',
    });
    expect(none.headers.get('x-request-id')).toBe('req-1');
    for (const bad of [
      'nonsense',
      `${operator}x`,
      operator.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    ]) {
      const r = await apiClient(stack.platform, bad).get('/v1/tenants');
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code: 'AUTH_INVALID' });
    }
    const basic = await fetch(`${stack.platform.url}/v1/tenants`, {
      headers: { authorization: `Basic ${operator}` },
    });
    expect(basic.status).toBe(401);
  });

  it('creates tenants and tenant keys; a tenant key sees its own tenant only, others are 404', async () => {
    const op = apiClient(stack.platform, operator);
    const created = await op.post('/v1/tenants', {
      id: 'alpha',
      name: 'Alpha',
      returnUrlPrefixes: ['https://alpha.example/return/'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'alpha',
      returnUrlPrefixes: ['https://alpha.example/return/'],
    });
    expect((await op.post('/v1/tenants', { id: 'alpha', name: 'again' })).body).toMatchObject({
      statusCode: 409,
      code: 'TENANT_EXISTS',
    });
    await op.post('/v1/tenants', { id: 'beta', name: 'Beta' });
    const made = await op.post<{ key: string; apiKey: Record<string, unknown> }>('/v1/keys', {
      kind: 'tenant',
      name: 'alpha dashboard',
      tenantId: 'alpha',
    });
    expect(made.status).toBe(201);
    expect(made.body.key).toMatch(/^wop_tn_/);
    expect(made.body.apiKey).toMatchObject({ kind: 'tenant', tenantId: 'alpha', revokedAt: null });
    expect(made.body.key.startsWith(String(made.body.apiKey.prefix))).toBe(true);
    expect(JSON.stringify(made.body.apiKey)).not.toContain(made.body.key.slice(-43));

    const alpha = apiClient(stack.platform, made.body.key);
    expect((await alpha.get('/v1/tenants/alpha')).status).toBe(200);
    const other = await alpha.get('/v1/tenants/beta');
    const missing = await alpha.get('/v1/tenants/gamma');
    expect(other.status).toBe(404);
    // Another tenant's id is answered exactly like one that does not exist.
    expect({ ...other.body, requestId: '' }).toEqual({ ...missing.body, requestId: '' });
    expect((await alpha.patch('/v1/tenants/beta/settings', { name: 'taken over' })).status).toBe(
      404,
    );
    expect((await op.get('/v1/tenants/beta')).body).toMatchObject({ name: 'Beta' });
    // Operator-only endpoints refuse the kind, without looking at any data.
    const refused = await alpha.get('/v1/tenants');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'KEY_KIND_REFUSED' });
    expect((await alpha.get('/v1/keys')).status).toBe(403);
  });

  it('lets a tenant change its own settings, validated', async () => {
    const key = await tenantWithKey(stack.platform, 'gamma');
    const gamma = apiClient(stack.platform, key);
    const ok = await gamma.patch('/v1/tenants/gamma/settings', {
      returnUrlPrefixes: ['https://gamma.example/back/'],
      jssdkDomains: ['M.Gamma.example'],
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      returnUrlPrefixes: ['https://gamma.example/back/'],
      jssdkDomains: ['m.gamma.example'],
    });
    const cases: unknown[] = [
      { unknownField: 1 },
      { returnUrlPrefixes: 'https://gamma.example/' },
      { returnUrlPrefixes: ['javascript:alert(1)'] },
      { returnUrlPrefixes: ['https://user:pw@gamma.example/'] },
      { jssdkDomains: ['https://gamma.example'] },
      { name: '' },
    ];
    for (const body of cases) {
      const r = await gamma.patch('/v1/tenants/gamma/settings', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    const bad = await apiClient(stack.platform, key).patch('/v1/tenants/gamma/settings', '{');
    expect(bad.status).toBe(400);
  });

  it('refuses malformed key requests and revokes keys at once', async () => {
    const op = apiClient(stack.platform, operator);
    for (const body of [
      { kind: 'tenant', name: 'x' },
      { kind: 'operator', name: 'x', tenantId: 'alpha' },
      { kind: 'root', name: 'x' },
      { kind: 'service', name: 'x', scopeAuthorizerAppids: ['not-an-appid'] },
      { kind: 'operator', name: 'x', scopeTenantIds: ['alpha'] },
    ]) {
      const r = await op.post('/v1/keys', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(
      (await op.post('/v1/keys', { kind: 'tenant', name: 'x', tenantId: 'nope' })).status,
    ).toBe(404);
    const made = await op.post<{ key: string; apiKey: { id: string } }>('/v1/keys', {
      kind: 'service',
      name: 'billing service',
      scopeTenantIds: ['alpha'],
    });
    const svc = apiClient(stack.platform, made.body.key);
    expect((await svc.get('/v1/tenants')).status).toBe(403);
    const revoked = await op.delete(`/v1/keys/${made.body.apiKey.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ revokedAt: expect.any(String) });
    expect((await svc.get('/v1/tenants')).body).toMatchObject({ code: 'AUTH_INVALID' });
    expect((await op.delete('/v1/keys/not-a-uuid')).status).toBe(404);
    expect((await op.delete('/v1/keys/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const listed = await op.get<{ items: Record<string, unknown>[] }>('/v1/keys?kind=service');
    expect(listed.body.items.map((k) => k.id)).toContain(made.body.apiKey.id);
    expect(JSON.stringify(listed.body)).not.toMatch(/secretHash|secret_hash/);
  });

  it('records when a key was last used', async () => {
    const op = apiClient(stack.platform, operator);
    await op.get('/v1/tenants');
    await eventually(async () => {
      const { body } = await op.get<{ items: { createdBy: string; lastUsedAt: string | null }[] }>(
        '/v1/keys?kind=operator',
      );
      return body.items.find((k) => k.createdBy === 'cli')?.lastUsedAt;
    });
  });

  it('rate-limits each key on its own', async () => {
    const a = apiClient(stack.platform, await tenantWithKey(stack.platform, 'rl-a'));
    const b = apiClient(stack.platform, await tenantWithKey(stack.platform, 'rl-b'));
    let limited = 0;
    for (let i = 0; i < 45; i++) {
      const r = await a.get('/v1/tenants/rl-a');
      if (r.status === 429) {
        limited++;
        expect(r.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
      }
    }
    expect(limited).toBeGreaterThan(0);
    expect((await b.get('/v1/tenants/rl-b')).status).toBe(200);
  });

  it('never stores or logs a key in clear', async () => {
    const op = apiClient(stack.platform, operator);
    const made = await op.post<{ key: string }>('/v1/keys', {
      kind: 'tenant',
      name: 'leak check',
      tenantId: 'alpha',
    });
    await apiClient(stack.platform, made.body.key).get('/v1/tenants/alpha');
    const secretPart = made.body.key.slice(-43);
    const dump = await dumpAsText(stack.db.url);
    expect(dump).toContain('leak check');
    for (const key of [made.body.key, operator]) {
      expect(dump).not.toContain(key.slice(-43));
      expect(logs.join('\n')).not.toContain(key.slice(-43));
    }
    expect(logs.join('\n')).not.toContain(secretPart);
    expect(logs.length).toBeGreaterThan(0);
  });
});
