import { Client } from 'pg';
import { createTestDatabase } from '../test/support/database.js';
import { line } from './bench-util.js';
import { writeResult } from './support/push-load.js';

/**
 * The sweep's claim as AuthorizerTokenRepository.claimDue sends it (its parameters written in),
 * run by EXPLAIN ANALYZE inside a transaction that is rolled back: timed, nothing claimed.
 */
const CLAIM = `UPDATE authorizer_token t SET lease_owner = 'bench', lease_until = now() + interval '1 minute'
  FROM (SELECT component_appid, authorizer_appid FROM authorizer_token
         WHERE next_refresh_at <= now() AND (lease_until IS NULL OR lease_until < now())
         ORDER BY next_refresh_at LIMIT 200 FOR UPDATE SKIP LOCKED) due
  WHERE t.component_appid = due.component_appid AND t.authorizer_appid = due.authorizer_appid
  RETURNING t.component_appid, t.authorizer_appid, t.refresh_token_ciphertext, t.version,
            t.failure_count, t.expires_at, t.refreshed_at`;
/** Registered at most (BENCH_REGISTRY_MAX=100000 for the shorter form). */
const MAX_REGISTERED = Number(process.env.BENCH_REGISTRY_MAX ?? 1_000_000);

/**
 * 100,000 and 1,000,000 registered authorizers: the claim query uses the partial index on
 * next_refresh_at, and its cost follows the number due, not the number registered (compared with
 * 1,000 registered). Prints the plans (EXPLAIN ANALYZE of the claim itself, rolled back).
 */
export async function benchRegistryScale(): Promise<Record<string, number>> {
  const db = await createTestDatabase();
  const client = new Client(db.url);
  await client.connect();
  try {
    const timeWith = async (registered: number, due: number) => {
      await client.query('TRUNCATE authorizer CASCADE');
      await client.query(
        `INSERT INTO authorizer (component_appid, authorizer_appid, status, updated_at)
         SELECT 'wxbench', 'wx' || lpad(i::text, 16, '0'), 'authorized', now() FROM generate_series(1, $1) i`,
        [registered],
      );
      // Everyone else refreshes an hour or more from now (none falls due while a loaded machine
      // inserts and analyzes); `due` of them are due now.
      await client.query(
        `INSERT INTO authorizer_token (component_appid, authorizer_appid, refresh_token_ciphertext, expires_at, next_refresh_at)
         SELECT 'wxbench', 'wx' || lpad(i::text, 16, '0'), 'v1:x:y:z', now() + interval '2 hours',
                CASE WHEN i <= $2 THEN now() - interval '1 second' ELSE now() + (i % 7200) * interval '1 second' + interval '1 hour' END
           FROM generate_series(1, $1) i`,
        [registered, due],
      );
      await client.query('ANALYZE authorizer_token');
      const runs: number[] = [];
      let plan = '';
      for (let i = 0; i < 7; i++) {
        await client.query('BEGIN');
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${CLAIM}`,
        );
        await client.query('ROLLBACK');
        plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        runs.push(Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1]));
      }
      runs.sort((a, b) => a - b);
      return { ms: runs[3], plan };
    };
    process.stdout.write('registry scale: the sweep claim (claimDue) with 200 due\n');
    const small = await timeWith(1_000, 200);
    const large = await timeWith(100_000, 200);
    const largeMoreDue = await timeWith(100_000, 5_000);
    const huge = MAX_REGISTERED > 100_000 ? await timeWith(MAX_REGISTERED, 200) : undefined;
    line('claim with 1,000 registered, 200 due', `${small.ms.toFixed(3)} ms`);
    line(
      'claim with 100,000 registered, 200 due',
      `${large.ms.toFixed(3)} ms (ratio to 1,000 registered ${(large.ms / small.ms).toFixed(2)})`,
    );
    line('claim with 100,000 registered, 5,000 due', `${largeMoreDue.ms.toFixed(3)} ms`);
    if (huge) {
      line(
        `claim with ${MAX_REGISTERED.toLocaleString('en')} registered, 200 due`,
        `${huge.ms.toFixed(3)} ms (ratio to 1,000 registered ${(huge.ms / small.ms).toFixed(2)})`,
      );
    }
    const indexScan = (plan: string) =>
      /Index (Only )?Scan using authorizer_token_due|Bitmap Index Scan on authorizer_token_due/.test(
        plan,
      );
    for (const [label, r] of [
      ['100,000', large],
      ...(huge ? [[MAX_REGISTERED.toLocaleString('en'), huge] as const] : []),
    ] as const) {
      process.stdout.write(
        `  plan at ${label} registered (index scan on authorizer_token_due: ${indexScan(r.plan) ? 'yes' : 'NO'}):\n${r.plan.replace(/^/gm, '    ')}\n`,
      );
    }
    const figures = {
      smallMs: small.ms,
      largeMs: large.ms,
      ratio: large.ms / small.ms,
      usesIndex: indexScan(large.plan) ? 1 : 0,
      ...(huge
        ? {
            hugeMs: huge.ms,
            hugeRatio: huge.ms / small.ms,
            hugeUsesIndex: indexScan(huge.plan) ? 1 : 0,
          }
        : {}),
    };
    line(
      'written',
      writeResult('registry-scale', {
        due: 200,
        figures,
        plans: { large: large.plan, huge: huge?.plan ?? null },
      }),
    );
    return figures;
  } finally {
    await client.end();
    await db.drop();
  }
}
