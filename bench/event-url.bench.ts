import pg from 'pg';
import { signedPush } from '../test/support/push.js';
import { startStack } from '../test/support/stack.js';
import { line } from './bench-util.js';
import { startSandboxProcess } from './sandbox-process.js';
import { PushLoadJob, PushRound, pushLoad, summarize, writeResult } from './support/push-load.js';

const ROUND_SEC = 5;
const WARMUP_SEC = 2;
const ROUNDS = 3;
const CONNECTIONS = 50;
const POOL = 60_000;

/**
 * The event URL (`POST /wechat/:c/events`): ticket pushes through the guard, verify, decrypt and
 * persist, each with its own ticket, from autocannon in a process of its own (50 connections),
 * beside the database's own rate for the same write shape: a single-row
 * `INSERT ... ON CONFLICT DO UPDATE` on a scratch table, 50 in flight over a pool the size of the
 * platform's, in interleaved rounds of 5 s.
 */
export async function benchEventUrl(): Promise<Record<string, number>> {
  const sandbox = await startSandboxProcess();
  const stack = await startStack({ sandboxUrl: sandbox.url, platform: { schedulers: false } });
  const db = new pg.Pool({ connectionString: stack.db.url, max: stack.db.poolSize });
  try {
    await db.query(
      'CREATE TABLE IF NOT EXISTS bench_upsert (id int PRIMARY KEY, v text NOT NULL, at timestamptz NOT NULL)',
    );
    const check = signedPush(stack.component, {
      AppId: stack.component.appid,
      CreateTime: Math.floor(Date.now() / 1000),
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: 'ticket@@@bench-check',
    });
    const res = await fetch(
      `${stack.platform.url}/wechat/${stack.component.appid}/events?${check.query}`,
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: check.body,
      },
    );
    const text = await res.text();
    if (res.status !== 200 || text !== 'success')
      throw new Error(`events answered HTTP ${res.status}, not success`);
    const job: Omit<PushLoadJob, 'seconds'> = {
      url: stack.platform.url,
      kind: 'ticket',
      component: {
        appid: stack.component.appid,
        token: stack.component.token,
        encodingAesKey: stack.component.encodingAesKey,
      },
      connections: CONNECTIONS,
      pool: POOL,
    };
    await pushLoad({ ...job, seconds: WARMUP_SEC });
    await upserts(db, WARMUP_SEC);
    const events: PushRound[] = [];
    const database: PushRound[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      events.push(await pushLoad({ ...job, seconds: ROUND_SEC }));
      database.push(await upserts(db, ROUND_SEC));
    }
    const e = summarize(events);
    const d = summarize(database);
    const ratio = e.rps / d.rps;
    process.stdout.write(
      `event URL (autocannon in its own process, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${ROUND_SEC} s)\n`,
    );
    line(
      'POST /wechat/:c/events (ticket, persisted)',
      `${e.rps.toFixed(0)} req/s (${e.min.toFixed(0)}-${e.max.toFixed(0)}), p99 ${e.p99} ms, errors ${e.errors}`,
    );
    line(
      `database: single-row upsert (${CONNECTIONS} in flight)`,
      `${d.rps.toFixed(0)} /s (${d.min.toFixed(0)}-${d.max.toFixed(0)}), p99 ${d.p99} ms`,
    );
    line('events / upserts', ratio.toFixed(2));
    line(
      'written',
      writeResult('event-url', {
        connections: CONNECTIONS,
        roundSec: ROUND_SEC,
        rounds: ROUNDS,
        poolSize: stack.db.poolSize,
        summary: { events: e, database: d, ratio },
        results: { events, database },
      }),
    );
    return {
      eventRps: e.rps,
      eventP99Ms: e.p99,
      errors: e.errors,
      upsertRps: d.rps,
      upsertP99Ms: d.p99,
      ratio,
    };
  } finally {
    await db.query('DROP TABLE IF EXISTS bench_upsert').catch(() => undefined);
    await db.end();
    await stack.close();
    await sandbox.stop();
  }
}

/** Single-row upserts, CONNECTIONS in flight, for `seconds`: rate and p99 (ms). */
async function upserts(db: pg.Pool, seconds: number): Promise<PushRound> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await db.query(
          'INSERT INTO bench_upsert (id, v, at) VALUES (1, $1, now()) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, at = EXCLUDED.at',
          [`ticket@@@bench-${n++}`],
        );
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsed,
    p99: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
    errors: 0,
    wrapped: 0,
  };
}
