import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerRefreshScheduler, AuthorizerTokenService, JsApiService } from '@app/wechat-open';
import { ApiKeysService } from '../../apps/platform/src/access/api-keys.service.js';
import { Receiver } from '../forwarding/receiver.js';
import { authorizeAccount } from '../support/accounts.js';
import { apiClient, operatorKey, tenantWithKey } from '../support/admin-api.js';
import { until } from '../support/reliability-processes.js';
import { Issued, startWatchedSandbox } from '../support/issued-credentials.js';
import { startStack, TestStack } from '../support/stack.js';
import { SCALE, summary } from './scale.js';

const ACCOUNTS = SCALE === 'full' ? 20 : 3;
/** The database as an operator would dump it: plain SQL, data included. */
async function plainDump(url: string): Promise<string> {
  const { stdout } = await promisify(execFile)('pg_dump', ['--no-owner', '--dbname', url], {
    maxBuffer: 512 * 1024 * 1024,
  });
  return stdout;
}

/**
 * An end-to-end run (accounts authorized, tokens refreshed by the sweep, on demand and after an
 * invalidation, JS-SDK tickets, webhook secrets, API keys, a message forwarded), the platform
 * logging at debug level; then every credential the sandbox issued (read off its answers as they
 * left it) and every secret the platform created is searched for in the logs and in a plain
 * pg_dump of the database.
 */
describe(`secrets: ${ACCOUNTS} accounts end to end, then the logs and a pg_dump searched`, () => {
  let sandbox: NestFastifyApplication;
  let stack: TestStack;
  let receiver: Receiver;
  let db: Client;
  const lines: string[] = [];
  let issued: Issued;
  const created = new Set<string>();

  beforeAll(async () => {
    let sandboxUrl: string;
    ({ sandbox, url: sandboxUrl, issued } = await startWatchedSandbox());
    stack = await startStack({
      sandboxUrl,
      platform: {
        logLevel: 'debug',
        forwarding: { pollIntervalMs: 100, allowPrivateNetworks: true },
      },
      logStream: { write: (line: string) => void lines.push(line) },
    });
    receiver = await new Receiver().start();
    db = new Client(stack.db.url);
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await receiver?.close();
    await stack?.close();
    await sandbox?.close();
  });

  it('finds none of them: found in logs = 0, found in the dump = 0', async ({ skip }) => {
    if (stack.db.kind !== 'real') return skip('needs a real PostgreSQL to dump');
    const started = Date.now();
    const c = stack.component.appid;
    // What the platform creates: keys, webhook secrets; and the component's configured secrets.
    const opKey = await operatorKey(stack.platform);
    const tenantKey = await tenantWithKey(stack.platform, 'acme', {
      returnUrlPrefixes: ['https://dash.acme.example/'],
      jssdkDomains: ['m.acme.example'],
    });
    const { key: serviceKey } = await stack.platform
      .get(ApiKeysService)
      .create({ kind: 'service', name: 'backend', createdBy: 'test' });
    for (const k of [opKey, tenantKey, serviceKey]) created.add(k);
    created.add(stack.component.secret).add(stack.component.encodingAesKey);
    created.add(stack.component.token);
    const acme = apiClient(stack.platform, tenantKey);
    const hook = await acme.post<{ secret: string }>('/v1/tenants/acme/webhooks', {
      url: `${receiver.url}/acme`,
      infoTypes: [],
    });
    expect(hook.status).toBe(201);
    created.add(hook.body.secret);
    // An authorization session's entry link: the platform asks WeChat for a pre_auth_code.
    const session = await acme.post<{ entryUrl: string }>('/v1/authorization-sessions', {
      returnUrl: 'https://dash.acme.example/done',
    });
    expect(session.status).toBe(201);
    await fetch(session.body.entryUrl, { redirect: 'manual' }).then((r) => r.arrayBuffer());

    const appids: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) appids.push((await authorizeAccount(stack)).appid);
    const tokens = stack.platform.get(AuthorizerTokenService);
    // Refreshed by the sweep, on demand after a rejection, and after WeChat invalidated one.
    await db.query(`UPDATE authorizer_token SET next_refresh_at = now()`);
    await stack.platform.get(AuthorizerRefreshScheduler).sweep();
    const first = appids[0];
    await tokens.rejectToken(first, (await tokens.getAuthorizerToken(first)).token);
    await stack.sandbox.invalidateToken(first);
    await tokens.call(first, '/cgi-bin/user/info', { query: { openid: 'o-user-1' } });
    // The accounts are the tenant's (as its authorization sessions would have made them); the
    // change is announced as the platform announces its own.
    await db.query(
      `WITH moved AS (UPDATE authorizer SET tenant_id = 'acme' WHERE authorizer_appid = ANY($1)
                      RETURNING component_appid, authorizer_appid)
       SELECT pg_notify('wechat_open_authorizer_token', component_appid || ' ' || authorizer_appid || ' record')
         FROM moved`,
      [appids],
    );
    await new Promise((r) => setTimeout(r, 500));
    // The token API with the service key, and a JS-SDK ticket for every account.
    const operator = apiClient(stack.platform, serviceKey);
    const jsapi = stack.platform.get(JsApiService);
    for (const a of appids) {
      const read = await operator.get(`/v1/components/${c}/authorizers/${a}/access-token`);
      expect(read.status, JSON.stringify(read.body)).toBe(200);
      expect(await jsapi.getTicket(a, 'jsapi')).toBeTruthy();
    }
    // A message, forwarded to the tenant's webhook (signed with its secret).
    await stack.sandbox.request('POST', `/sandbox/components/${c}/accounts/${first}/message`, {
      openid: 'o_secrets_user_01',
      content: 'hello',
    });
    await until('webhook delivery', async () => receiver.at('/acme').length >= 1, 30_000).catch(
      () => undefined,
    );
    await stack.sandbox.pushTicket(c);

    const values = [...issued.values()].flatMap((set) => [...set]);
    const all = [...values, ...created];
    const logged = lines.join('');
    const dump = await plainDump(stack.db.url);
    const inLogs = all.filter((v) => logged.includes(v));
    const inDump = all.filter((v) => dump.includes(v));
    const label = (v: string) => `${v.slice(0, 6)}… (${v.length} chars)`;
    summary('secrets', {
      accounts: appids.length,
      issuedBySandbox: values.length,
      issuedKinds: [...issued].map(([k, s]) => `${k}:${s.size}`).join(','),
      createdByPlatform: created.size,
      webhookDeliveries: receiver.at('/acme').length,
      logLines: lines.length,
      dumpBytes: dump.length,
      foundInLogs: inLogs.length,
      foundInDump: inDump.length,
      totalSec: ((Date.now() - started) / 1000).toFixed(1),
    });
    // The run did what it is named for: each kind issued, the logs at debug level, data dumped.
    for (const kind of [
      'authCode',
      'authorizer_access_token',
      'authorizer_refresh_token',
      'component_access_token',
      'pre_auth_code',
      'ticket',
    ])
      expect(issued.has(kind), kind).toBe(true);
    expect(logged).toMatch(/"level":20/);
    expect(dump).toContain(first);
    expect(inLogs.map(label)).toEqual([]);
    expect(inDump.map(label)).toEqual([]);
  }, 600_000);
});
