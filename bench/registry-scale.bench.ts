import { Client } from 'pg';
import { createTestDatabase } from '../test/support/database.js';
import { line } from './bench-util.js';

/** The sweep's claim, as a plain SELECT so that EXPLAIN ANALYZE can time it without claiming. */
const CLAIM_SELECT = `SELECT component_appid, authorizer_appid FROM authorizer_token
  WHERE next_refresh_at <= now() AND (lease_until IS NULL OR lease_until < now())
  ORDER BY next_refresh_at LIMIT 200 FOR UPDATE SKIP LOCKED`;

/**
 * 100,000 registered authorizers: the claim query uses the partial index on next_refresh_at, and
 * its cost follows the number due, not the number registered (compared with 1,000 registered).
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
      // Everyone refreshes some time in the next two hours; `due` of them are due now.
      await client.query(
        `INSERT INTO authorizer_token (component_appid, authorizer_appid, refresh_token_ciphertext, expires_at, next_refresh_at)
         SELECT 'wxbench', 'wx' || lpad(i::text, 16, '0'), 'v1:x:y:z', now() + interval '2 hours',
                CASE WHEN i <= $2 THEN now() - interval '1 second' ELSE now() + (i % 7200) * interval '1 second' + interval '1 minute' END
           FROM generate_series(1, $1) i`,
        [registered, due],
      );
      await client.query('ANALYZE authorizer_token');
      const runs: number[] = [];
      let plan = '';
      for (let i = 0; i < 7; i++) {
        await client.query('BEGIN');
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${CLAIM_SELECT}`,
        );
        await client.query('ROLLBACK');
        plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        runs.push(Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1]));
      }
      runs.sort((a, b) => a - b);
      return { ms: runs[3], plan };
    };
    process.stdout.write('registry scale: the sweep claim with 200 due\n');
    const small = await timeWith(1_000, 200);
    const large = await timeWith(100_000, 200);
    const largeMoreDue = await timeWith(100_000, 5_000);
    line('claim with 1,000 registered, 200 due', `${small.ms.toFixed(3)} ms`);
    line(
      'claim with 100,000 registered, 200 due',
      `${large.ms.toFixed(3)} ms (ratio ${(large.ms / small.ms).toFixed(2)})`,
    );
    line('claim with 100,000 registered, 5,000 due', `${largeMoreDue.ms.toFixed(3)} ms`);
    process.stdout.write(`  plan at 100,000 registered:\n${large.plan.replace(/^/gm, '    ')}\n`);
    return {
      smallMs: small.ms,
      largeMs: large.ms,
      ratio: large.ms / small.ms,
      usesIndex: large.plan.includes('authorizer_token_due') ? 1 : 0,
    };
  } finally {
    await client.end();
    await db.drop();
  }
}
