import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the load process sends: signed, encrypted pushes to one server, for a bounded time. */
export interface PushLoadJob {
  url: string;
  /** Prepended to the push's path (a ceiling server mounted elsewhere). Default none. */
  pathPrefix?: string;
  kind: 'message' | 'ticket';
  component: { appid: string; token: string; encodingAesKey: string };
  account?: { appid: string; userName: string };
  /** The text message's Content (selects the host handler's behaviour). Default `hello`. */
  content?: string;
  connections: number;
  seconds: number;
  /** Distinct pushes built before the clock starts; more than the round can send. */
  pool: number;
  /** One push repeated: the duplicate (dedupe) path. Default false. */
  repeatOne?: boolean;
}

export interface PushRound {
  rps: number;
  p99: number;
  errors: number;
  /** Requests sent beyond the pool (which then repeated): should be 0. */
  wrapped: number;
}

/** One round of pushes from a load process of its own (loopback), its summary. */
export async function pushLoad(job: PushLoadJob): Promise<PushRound> {
  const worker = fileURLToPath(new URL('./push-load-worker.js', import.meta.url));
  const child = spawn(process.execPath, [worker], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.stdin.end(JSON.stringify(job));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`push load exited with ${code}: ${err}`);
  const r = JSON.parse(out) as {
    total: number;
    duration: number;
    p99: number;
    errors: number;
    sent: number;
    pool: number;
  };
  return {
    rps: r.total / r.duration,
    p99: r.p99,
    errors: r.errors,
    wrapped: job.repeatOne ? 0 : Math.max(0, r.sent - r.pool),
  };
}

/** Mean req/s, worst p99 and summed errors over rounds. */
export function summarize(rounds: PushRound[]): {
  rps: number;
  p99: number;
  errors: number;
  min: number;
  max: number;
} {
  const rps = rounds.map((r) => r.rps);
  return {
    rps: rps.reduce((s, x) => s + x, 0) / rounds.length,
    p99: Math.max(...rounds.map((r) => r.p99)),
    errors: rounds.reduce((s, r) => s + r.errors + r.wrapped, 0),
    min: Math.min(...rps),
    max: Math.max(...rps),
  };
}

/** Writes a bench's figures to `bench/results/<name>.json` of the source tree (not dist). */
export function writeResult(name: string, data: Record<string, unknown>): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bench/run.ts'))) {
    if (dirname(dir) === dir) throw new Error('bench/run.ts not found above the bench');
    dir = dirname(dir);
  }
  const out = join(dir, 'bench/results');
  mkdirSync(out, { recursive: true });
  const path = join(out, `${name}.json`);
  writeFileSync(path, `${JSON.stringify({ at: new Date().toISOString(), ...data }, null, 2)}\n`);
  return `bench/results/${name}.json`;
}
