import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizerTokenService,
  ComponentTokenService,
  DataKey,
  JsApiService,
  SecretBox,
} from '@app/wechat-open';
import { runCli } from '../../apps/platform/src/cli.js';
import {
  findSealedTables,
  rotateDataKeys,
} from '../../apps/platform/src/key-rotation/data-key-rotation.js';
import { apiClient, tenantWithKey } from '../support/admin-api.js';
import { authorizeAccount } from '../support/accounts.js';
import { startStack, TestPlatform, TestStack } from '../support/stack.js';

const KEY_A: DataKey = { kid: 'ka', key: Buffer.alloc(32, 0xa1) };
const KEY_B: DataKey = { kid: 'k_b', key: Buffer.alloc(32, 0xb2) };
const spec = (keys: DataKey[]): string =>
  keys.map((k) => `${k.kid}:${k.key.toString('base64')}`).join(',');

/**
 * Key rotation against the sandbox and a real PostgreSQL: secrets sealed under key A, the service
 * restarted with B,A, the rotation run while it serves (stopped midway, then resumed), and then
 * the service started with B alone finds every secret readable and keeps working.
 */
describe('rotate-data-key', () => {
  let stack: TestStack;
  let db: Client;
  let accounts: { appid: string }[];
  let platform: TestPlatform;

  beforeAll(async () => {
    stack = await startStack({ platform: { dataKeys: [KEY_A] } });
    db = new Client({ connectionString: stack.db.url });
    await db.connect();
    accounts = [];
    for (let i = 0; i < 5; i++) accounts.push(await authorizeAccount(stack));
    for (const a of accounts.slice(0, 2))
      await stack.platform.get(JsApiService).getTicket(a.appid, 'jsapi', stack.component.appid);
    const api = apiClient(stack.platform, await tenantWithKey(stack.platform, 'acme'));
    const hook = await api.post('/v1/tenants/acme/webhooks', {
      url: 'https://hooks.example.com/acme',
    });
    expect(hook.status).toBe(201);
    await stack.platform.stop();
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await stack?.close();
  });

  /** Every sealed value of the database, by table and column. */
  async function sealedValues(): Promise<{ where: string; value: string }[]> {
    const values: { where: string; value: string }[] = [];
    for (const t of await findSealedTables(db))
      for (const c of t.columns) {
        const { rows } = await db.query<{ v: string }>(
          `SELECT "${c}" AS v FROM "${t.table}" WHERE "${c}" IS NOT NULL`,
        );
        values.push(...rows.map((r) => ({ where: `${t.table}.${c}`, value: r.v })));
      }
    return values;
  }

  it('finds the secret columns, none of them on an append-only table', async () => {
    const tables = await findSealedTables(db);
    expect(tables.map((t) => t.table)).toEqual(
      expect.arrayContaining([
        'authorizer_token',
        'component_token',
        'component_verify_ticket',
        'jsapi_ticket',
        'webhook_endpoint',
        'wechat_job',
      ]),
    );
    const where = new Set((await sealedValues()).map((v) => v.where));
    for (const w of [
      'authorizer_token.access_token_ciphertext',
      'authorizer_token.refresh_token_ciphertext',
      'component_token.token_ciphertext',
      'component_verify_ticket.ticket_ciphertext',
      'jsapi_ticket.ticket_ciphertext',
      'webhook_endpoint.secret_ciphertext',
      'wechat_job.payload_ciphertext',
    ])
      expect(where, w).toContain(w);
    expect((await sealedValues()).every((v) => v.value.startsWith('v1:ka:'))).toBe(true);
  });

  it('re-seals online under the newest key, resumes after a stop, and the old key can go', async () => {
    platform = await stack.startInstance({ dataKeys: [KEY_B, KEY_A] });
    const tokens = platform.get(AuthorizerTokenService);
    const before = new Map<string, string>();
    for (const a of accounts)
      before.set(a.appid, await tokens.getAuthorizerAccessToken(a.appid, stack.component.appid));

    // A run that dies after two batches of two rows ("kill -9" midway).
    const partial = await rotateDataKeys(stack.db.url, [KEY_B, KEY_A], {
      batchSize: 2,
      maxBatches: 2,
    });
    expect(partial.complete).toBe(false);
    const afterKill = await sealedValues();
    expect(afterKill.filter((v) => v.value.startsWith('v1:k_b:')).length).toBeGreaterThan(0);
    expect(afterKill.filter((v) => v.value.startsWith('v1:ka:')).length).toBeGreaterThan(0);

    // The service keeps serving meanwhile: a forced refresh writes under B while we rotate.
    const refreshed = await tokens.rejectToken(
      accounts[0].appid,
      before.get(accounts[0].appid)!,
      stack.component.appid,
    );
    expect(refreshed.token).not.toBe(before.get(accounts[0].appid));

    // Run again: it continues with what is left, through the CLI command itself.
    const out: string[] = [];
    const err: string[] = [];
    const saved = { ...process.env };
    process.env.DATABASE_URL = stack.db.url;
    process.env.DATA_ENCRYPTION_KEYS = spec([KEY_B, KEY_A]);
    process.env.WECHAT_API_BASE_URL = 'http://127.0.0.1:9';
    process.env.WECHAT_COMPONENTS = JSON.stringify([stack.component]);
    try {
      const code = await runCli(['rotate-data-key', '--batch-size', '3'], {
        out: (s) => out.push(s),
        err: (s) => err.push(s),
        stdin: () => '',
        errIsTty: false,
      });
      expect(err.join(''), out.join('')).not.toContain('error');
      expect(code).toBe(0);
    } finally {
      process.env = saved;
    }
    const summary = out.join('');
    expect(summary).toMatch(/^table\s+stale\s+resealed\s+skipped\s+unreadable$/m);
    expect(summary).toMatch(/^authorizer_token\s+\d+\s+\d+\s+0\s+0$/m);
    expect(summary).toContain('every secret is sealed under key id k_b');
    // Progress lines without carriage returns when standard error is not a terminal.
    expect(err.join('')).toMatch(/authorizer_token: \d+\/\d+ rows/);
    expect(err.join('')).not.toContain('\r');

    const after = await sealedValues();
    expect(after.filter((v) => !v.value.startsWith('v1:k_b:'))).toEqual([]);
    const onlyB = new SecretBox([KEY_B]);
    for (const v of after) expect(() => onlyB.open(v.value), v.where).not.toThrow();

    // Nothing the instance derived changed: the same tokens, no refresh caused by the re-seal.
    for (const a of accounts.slice(1))
      expect(await tokens.getAuthorizerAccessToken(a.appid, stack.component.appid)).toBe(
        before.get(a.appid),
      );
    const { rows: versions } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM authorizer_refresh_log WHERE trigger <> 'redeem' AND at > now() - interval '1 minute'`,
    );
    expect(Number(versions[0].n)).toBeLessThanOrEqual(1);
    await platform.stop();

    // A run with nothing left to do is clean and changes nothing.
    const again = await rotateDataKeys(stack.db.url, [KEY_B, KEY_A]);
    expect(again.complete).toBe(true);
    expect(again.tables.every((t) => t.stale === 0)).toBe(true);
  }, 60_000);

  it('with key B alone every secret opens and the platform serves', async () => {
    const only = await stack.startInstance({ dataKeys: [KEY_B] });
    try {
      const tokens = only.get(AuthorizerTokenService);
      for (const a of accounts) {
        const t = await tokens.getAuthorizerAccessToken(a.appid, stack.component.appid);
        expect(t).toMatch(/\S/);
      }
      // The refresh token opens: a forced refresh succeeds.
      const current = await tokens.getAuthorizerAccessToken(
        accounts[1].appid,
        stack.component.appid,
      );
      const next = await tokens.rejectToken(accounts[1].appid, current, stack.component.appid);
      expect(next.token).not.toBe(current);
      expect(
        await only.get(JsApiService).getTicket(accounts[1].appid, 'jsapi', stack.component.appid),
      ).toMatch(/\S/);
      expect(
        await only.get(ComponentTokenService).getComponentAccessToken(stack.component.appid),
      ).toMatch(/\S/);
      const res = await fetch(`${only.url}/health/ready`);
      expect(res.status).toBe(200);
    } finally {
      await only.stop();
    }
  }, 60_000);
});
