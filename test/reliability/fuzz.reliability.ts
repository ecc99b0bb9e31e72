import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, TestStack } from '../support/stack.js';
import { SIZES, summary } from './scale.js';

/** The seeded fuzz tests this scenario runs larger (their assertions are the zero counts). */
const FUZZ_FILES = {
  push: 'test/component-ticket/push-fuzz.test.ts',
  message: 'test/messages/message-fuzz.test.ts',
};

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; status: string; assertionResults: { title: string }[] }[];
}

/** Runs one fuzz file in a vitest of its own with `mutations`, answering its JSON report. */
async function runFuzz(file: string, mutations: number, seed: number): Promise<JsonReport> {
  const dir = await mkdtemp(join(tmpdir(), 'wop-fuzz-'));
  const out = join(dir, 'report.json');
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          'node_modules/vitest/vitest.mjs',
          'run',
          '--project',
          'integration',
          '--reporter=json',
          `--outputFile=${out}`,
          file,
        ],
        {
          env: { ...process.env, FUZZ_MUTATIONS: String(mutations), FUZZ_SEED: String(seed) },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      child.once('error', reject);
      child.once('exit', (c) => resolve(c ?? 1));
    });
    const report = JSON.parse(await readFile(out, 'utf8')) as JsonReport;
    if (code !== 0 && report.numFailedTests === 0) throw new Error(`vitest exited ${code}`);
    return report;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe(`fuzz: ${SIZES.fuzzMutations} mutated pushes and messages`, () => {
  const seed = Number(process.env.FUZZ_SEED ?? 20261204);

  it('the event URL and the message URL: no forgery accepted, no 5xx, no plaintext in logs', async () => {
    const pushes = Math.round(SIZES.fuzzMutations * 0.7);
    const messages = SIZES.fuzzMutations - pushes;
    const push = await runFuzz(FUZZ_FILES.push, pushes, seed);
    const message = await runFuzz(FUZZ_FILES.message, messages, seed);
    const failed = push.numFailedTests + message.numFailedTests;
    // Each file asserts its own zero counts (5xx, accepted forgeries, stored rows, plaintext in
    // the logs); a failed test there is a non-zero count here.
    summary('fuzz', {
      seed,
      pushMutations: pushes,
      messageMutations: messages,
      testsPassed: push.numPassedTests + message.numPassedTests,
      testsFailedNonZeroCounts: failed,
    });
    expect(failed).toBe(0);
    expect(push.numPassedTests).toBeGreaterThan(0);
    expect(message.numPassedTests).toBeGreaterThan(0);
  }, 900_000);
});

describe('metric series and unauthenticated requests', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ initialTicket: false });
  });
  afterAll(async () => stack?.close());

  /** The series (name and labels, no value) the platform exposes now. */
  const series = async () =>
    new Set(
      (await (await fetch(`${stack.platform.url}/metrics`)).text())
        .split('\n')
        // The runtime's own series (a GC kind seen for the first time) are not the requests'.
        .filter((l) => l && !l.startsWith('#') && !/^(nodejs|process)_/.test(l))
        .map((l) => l.slice(0, l.lastIndexOf(' '))),
    );

  /** A request no one authenticated: junk paths, appids, keys, methods and bodies. */
  const junk = async (i: number) => {
    const r = randomBytes(6).toString('hex');
    const a = stack.component.appid;
    const targets: [string, string, string?][] = [
      [
        'POST',
        `/wechat/wx${r}/events?timestamp=${i}&nonce=${r}&msg_signature=${r}`,
        `<xml>${r}</xml>`,
      ],
      ['POST', `/wechat/${a}/accounts/wx${r}/messages?signature=${r}`, `<xml><a>${r}</a></xml>`],
      ['GET', `/wechat/${a}/events?echostr=${r}&signature=${r}`],
      ['GET', `/admin/api/authorizers/${r}`],
      ['GET', `/api/v1/tokens/wx${r}`],
      ['DELETE', `/${r}/${i}`],
      ['GET', `/metrics/${r}`],
    ];
    const [method, path, body] = targets[i % targets.length];
    const res = await fetch(`${stack.platform.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${r}`, 'x-api-key': r, 'content-type': 'text/xml' },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  };

  it('junk from strangers adds no series: every label comes from a closed set', async () => {
    const n = Math.max(200, SIZES.fuzzMutations / 5);
    // A first pass opens every route and status the junk can reach (closed sets, once each).
    for (let i = 0; i < 70; i++) await junk(i);
    const before = await series();
    let fivexx = 0;
    for (let i = 0; i < n; i++) if ((await junk(i)) >= 500) fivexx++;
    const added = [...(await series())].filter((s) => !before.has(s));
    summary('metric-series', {
      requests: n,
      seriesBefore: before.size,
      seriesAdded: added.length,
      fivexx,
    });
    expect(added).toEqual([]);
    expect(fivexx).toBe(0);
  }, 300_000);
});
