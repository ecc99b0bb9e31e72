import type { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataKey, SecretBox } from '@app/wechat-open';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { newComponent } from '../support/stack.js';
import { CliProcess, spawnCli } from './cli-process.js';

const KEY_A: DataKey = { kid: 'ka', key: Buffer.alloc(32, 0xa1) };
const KEY_B: DataKey = { kid: 'kb', key: Buffer.alloc(32, 0xb2) };
const ROWS = 3000;
const BATCH = 2;

/** Polls `check` every 50 ms until it is truthy, or throws after `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | null>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `cli rotate-data-key` killed for real: the command runs in a process of its own (the CLI from
 * its sources: ./cli-process.ts), gets SIGKILL once it has re-sealed a batch (seen
 * in the database), and a second run finishes the job: afterwards key B alone opens every secret,
 * each to the value it held.
 */
describe('rotate-data-key, resumed after SIGKILL', () => {
  let db: TestDatabase;
  let c: Client;
  let child: ChildProcess | undefined;
  const component = newComponent();

  beforeAll(async () => {
    db = await createTestDatabase();
    c = new Client({ connectionString: db.url });
    await c.connect();
    const a = new SecretBox([KEY_A]);
    const appids = Array.from({ length: ROWS }, (_, i) => `wxc${String(i).padStart(5, '0')}`);
    await c.query(
      `INSERT INTO component_verify_ticket (component_appid, ticket_ciphertext, create_time, received_at)
       SELECT appid, sealed, now(), now() FROM unnest($1::text[], $2::text[]) AS t(appid, sealed)`,
      [appids, appids.map((appid) => a.seal(`ticket-${appid}`))],
    );
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await c?.end();
    await db?.drop();
  });

  /** Starts `cli rotate-data-key` with keys B,A in a process of its own. */
  function rotate(): CliProcess {
    const started = spawnCli(['rotate-data-key', '--batch-size', `${BATCH}`], {
      DATABASE_URL: db.url,
      DATA_ENCRYPTION_KEYS: [KEY_B, KEY_A]
        .map((k) => `${k.kid}:${k.key.toString('base64')}`)
        .join(','),
      WECHAT_API_BASE_URL: 'http://127.0.0.1:9',
      WECHAT_COMPONENTS: JSON.stringify([component]),
      LOG_LEVEL: 'warn',
    });
    child = started.proc;
    return started;
  }

  const sealedUnder = async () => {
    const { rows } = await c.query<{ kid: string; n: number }>(
      `SELECT split_part(ticket_ciphertext, ':', 2) AS kid, count(*)::int AS n
         FROM component_verify_ticket GROUP BY 1`,
    );
    return Object.fromEntries(rows.map((r) => [r.kid, r.n])) as Record<string, number>;
  };

  it('a run killed after a batch leaves every secret readable; the next run finishes', async () => {
    if (db.kind === 'embedded') return; // one connection: the CLI and this test cannot share it

    const first = rotate();
    await until(
      'a re-sealed batch',
      async () => ((await sealedUnder()).kb ?? 0) >= BATCH || null,
      60_000,
    );
    first.proc.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Killed midway: some rows under B, the rest still under A, nothing lost or broken.
    const midway = await sealedUnder();
    expect(midway.kb).toBeGreaterThanOrEqual(BATCH);
    expect(midway.ka).toBeGreaterThan(0);
    expect(midway.kb + midway.ka).toBe(ROWS);
    expect(first.output().out).not.toContain('every secret is sealed');

    const second = rotate();
    const done = await second.exited;
    expect(done, second.output().err).toEqual({ code: 0, signal: null });
    expect(second.output().out).toContain(
      'every secret is sealed under key id kb; the other key ids can be removed',
    );
    // The second run re-sealed only what the first left.
    expect(second.output().out).toMatch(
      new RegExp(`^component_verify_ticket\\s+${midway.ka}\\s+${midway.ka}\\s+0\\s+0$`, 'm'),
    );
    expect(await sealedUnder()).toEqual({ kb: ROWS });

    const onlyB = new SecretBox([KEY_B]);
    const { rows } = await c.query<{ appid: string; sealed: string }>(
      `SELECT component_appid AS appid, ticket_ciphertext AS sealed FROM component_verify_ticket`,
    );
    expect(rows).toHaveLength(ROWS);
    for (const r of rows) expect(onlyB.open(r.sealed), r.appid).toBe(`ticket-${r.appid}`);
  }, 180_000);
});
