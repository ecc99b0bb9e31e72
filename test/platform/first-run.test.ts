import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '@app/sandbox';
import {
  ApiKeysService,
  DEMO_KEY_CREATOR,
} from '../../apps/platform/src/access/api-keys.service.js';
import { validateEnvironment } from '../../apps/platform/src/config/environment.js';
import { toPlatformConfig } from '../../apps/platform/src/config/platform-config.js';
import { startPlatform } from '../../apps/platform/src/platform.js';
import { apiClient } from '../support/admin-api.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { eventually, freePort, newComponent, startStack, TestStack } from '../support/stack.js';

/**
 * A GET with the path sent as written (fetch would normalise `..` away before sending), and only
 * the headers given (fetch adds `cache-control: no-cache` to a conditional request).
 */
function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, method: 'GET', headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const INDEX = '<!doctype html><title>fake console</title><div id="root"></div>';
const ASSET = 'console.log("fake asset");';
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

type LogLine = { level: number; msg?: string; context?: string };

/**
 * What the platform logs, every start of this file: nestjs-pino keeps one pino-http per process
 * (the first application's), so the starts share one stream, as a process does.
 */
const lines: LogLine[] = [];
const logStream = { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) };

/** `npm start` in this process: the environment read as main.ts reads it, on free ports. */
async function startAsNpmStart(db: TestDatabase, env: Record<string, string> = {}) {
  lines.length = 0;
  const notes: string[] = [];
  let printed = '';
  const port = await freePort();
  const config = toPlatformConfig(
    validateEnvironment({
      PORT: String(port),
      SANDBOX_PORT: String(await freePort()),
      DATABASE_URL: db.url,
      DB_POOL_SIZE: String(db.poolSize),
      DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}`,
      LOG_LEVEL: 'info',
      ...env,
    }),
    (m) => notes.push(`warn: ${m}`),
    () => undefined,
  );
  const platform = await startPlatform(config, {
    logStream,
    print: (text) => (printed += text),
  });
  return {
    platform,
    config,
    lines,
    notes,
    printed: () => printed,
    base: `http://127.0.0.1:${port}`,
  };
}

const demoKeyIn = (printed: string): string | undefined => /^\s+(wop_op_\S+)$/m.exec(printed)?.[1];

/** Until the sandbox's ticket has come in and a component token is minted with it. */
const minted = (lines: LogLine[]) =>
  eventually(
    async () => lines.some((l) => l.msg?.startsWith('minted component token')),
    20_000,
  ).catch((e: unknown) => {
    console.log(
      lines
        .filter((l) => !/InstanceLoader|Router|Routes/.test(String(l.context)))
        .map((l) => `${l.level} ${l.context} ${l.msg}`)
        .join('\n'),
    );
    throw e;
  });

describe('npm start: the first minute of a newcomer', () => {
  let db: TestDatabase;
  let consoleDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    consoleDir = mkdtempSync(join(tmpdir(), 'wop-console-start-'));
    writeFileSync(join(consoleDir, 'index.html'), INDEX);
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  it('says where to go and prints a demo key that works; no warning, no error; a restart replaces the key', async () => {
    const first = await startAsNpmStart(db, { CONSOLE_DIR: consoleDir });
    let firstKey: string;
    try {
      await minted(first.lines).catch((e: unknown) => {
        console.log(first.lines.map((l) => `${l.level} ${l.context} ${l.msg}`).join('\n'));
        throw e;
      });
      const printed = first.printed();
      expect(printed).toContain(`${first.base}/console/`);
      expect(printed).toContain(`${first.base}/docs`);
      expect(printed).toContain(`${first.base}/health`);
      expect(printed).toContain(`${first.base}/dev/connect?tenant=demo`);
      expect(printed).not.toContain('not built');
      firstKey = demoKeyIn(printed)!;
      expect(firstKey).toMatch(/^wop_op_/);
      const me = await apiClient({ url: first.base }, firstKey).get('/v1/me');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ kind: 'operator' });
      // The console answers where the message says.
      expect(await (await fetch(`${first.base}/console/`)).text()).toBe(INDEX);

      expect(first.notes).toEqual([]);
      expect(first.lines.filter((l) => l.level >= 40)).toEqual([]);
      // Printed for the person at the terminal, never logged.
      expect(JSON.stringify(first.lines)).not.toContain(firstKey);
    } finally {
      await first.platform.stop();
    }

    // The same database, a new sandbox: what the old sandbox issued is replaced, not refused.
    const second = await startAsNpmStart(db, { CONSOLE_DIR: consoleDir });
    try {
      await minted(second.lines);
      const secondKey = demoKeyIn(second.printed())!;
      expect(secondKey).toMatch(/^wop_op_/);
      expect(secondKey).not.toBe(firstKey);
      const me = await apiClient({ url: second.base }, secondKey).get('/v1/me');
      expect(me.status).toBe(200);
      const old = await apiClient({ url: second.base }, firstKey).get('/v1/me');
      expect(old.status).toBe(401);
      expect(second.lines.filter((l) => l.level >= 40)).toEqual([]);
      const demoKeys = (
        await second.platform.app.get(ApiKeysService).list({ kind: 'operator' })
      ).filter((k) => k.createdBy === DEMO_KEY_CREATOR);
      expect(demoKeys.filter((k) => k.revokedAt === null)).toHaveLength(1);
    } finally {
      await second.platform.stop();
    }
  });

  it('says when the console is not built, at info level only', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'wop-console-none-'));
    const run = await startAsNpmStart(db, { CONSOLE_DIR: empty });
    try {
      expect(run.printed()).toContain('not built yet: run npm run build');
      const said = run.lines.filter((l) => l.msg?.includes('the console is not built'));
      expect(said.map((l) => l.level)).toEqual([30]);
    } finally {
      await run.platform.stop();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('creates no demo key against real WeChat', async () => {
    const wechat = await startSandbox({ port: 0 });
    const own = await createTestDatabase();
    try {
      const run = await startAsNpmStart(own, {
        WECHAT_API_BASE_URL: wechat.url,
        WECHAT_COMPONENTS: JSON.stringify([newComponent()]),
        CONSOLE_DIR: consoleDir,
      });
      try {
        const printed = run.printed();
        expect(printed).toContain(`${run.base}/console/`);
        expect(printed).not.toContain('/dev/connect');
        expect(printed).not.toMatch(/wop_op_/);
        expect(await run.platform.app.get(ApiKeysService).list({ kind: 'operator' })).toEqual([]);
      } finally {
        await run.platform.stop();
      }
    } finally {
      await wechat.close();
      await own.drop();
    }
  });
});

describe('the console at /console/', () => {
  let stack: TestStack;
  let built: string;
  let empty: string;

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'wop-console-'));
    built = join(root, 'built');
    empty = join(root, 'empty');
    mkdirSync(join(built, 'assets'), { recursive: true });
    mkdirSync(empty);
    writeFileSync(join(built, 'index.html'), INDEX);
    writeFileSync(join(built, 'assets', 'x.js'), ASSET);
    writeFileSync(join(built, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(built, '.env'), 'SECRET=1');
    // A file beside the console folder: what a traversal would reach.
    writeFileSync(join(root, 'outside.txt'), 'outside the console');
    stack = await startStack({
      initialTicket: false,
      platform: { schedulers: false, console: { enabled: true, dir: built } },
      logStream,
    });
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(join(built, '..'), { recursive: true, force: true });
  });

  it('sends / to /console/ and /console to /console/', async () => {
    const root = await fetch(`${stack.platform.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const bare = await fetch(`${stack.platform.url}/console?x=1`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/console/?x=1');
  });

  it('answers index.html, never cached, for the console root and its client-side routes', async () => {
    for (const path of ['/console/', '/console/connected', '/console/some/client/route']) {
      const res = await fetch(`${stack.platform.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toBe(CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('serves hashed assets as immutable, other files revalidated', async () => {
    const asset = await fetch(`${stack.platform.url}/console/assets/x.js`);
    expect(asset.status).toBe(200);
    // The library's type (application/javascript); browsers run modules of either JS type.
    expect(asset.headers.get('content-type')).toMatch(
      /^(text|application)\/javascript; charset=utf-8$/,
    );
    expect(asset.headers.get('content-security-policy')).toBe(CSP);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe(ASSET);
    // A browser's revalidation: fetch would add `cache-control: no-cache` (a reload, never 304).
    const again = await rawGet(stack.platform.url, '/console/assets/x.js', {
      'if-none-match': asset.headers.get('etag')!,
    });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    const head = await fetch(`${stack.platform.url}/console/assets/x.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await head.text()).toBe('');
    const icon = await fetch(`${stack.platform.url}/console/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers a missing asset with a 404, not the page', async () => {
    const res = await fetch(`${stack.platform.url}/console/assets/gone-1234.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(await res.json()).toMatchObject({
      statusCode: 404,
      code: 'NOT_FOUND',
      requestId: expect.any(String),
    });
  });

  it('serves a file built after start-up at once', async () => {
    writeFileSync(join(built, 'assets', 'later-5678.js'), 'later();');
    const res = await fetch(`${stack.platform.url}/console/assets/later-5678.js`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('later();');
  });

  it('never serves a file outside the folder, nor a hidden one', async () => {
    const attempts = [
      '/console/../package.json',
      '/console/../outside.txt',
      '/console/%2e%2e/outside.txt',
      '/console/%2E%2E%2Foutside.txt',
      '/console/assets/..%2F..%2Foutside.txt',
      '/console/..%5Coutside.txt',
      '/console/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
      '/console/x%00.js',
    ];
    for (const path of attempts) {
      const res = await rawGet(stack.platform.url, path);
      // @fastify/static refuses `..` and `\\` (403); `..%2F`, a name to the library, is refused
      // before the page fallback (400). A 4xx either way, never a file.
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(JSON.parse(res.body)).toMatchObject({ statusCode: res.status, code: 'INVALID_PATH' });
      expect(res.headers['content-security-policy'], path).toBe(CSP);
      expect(res.body).not.toContain('outside the console');
      expect(res.body).not.toContain('"name"');
    }
    // A dotfile is no file of the console: the page for a client-side route, never its content.
    const hidden = await rawGet(stack.platform.url, '/console/.env');
    expect(hidden.status).toBe(200);
    expect(hidden.body).toBe(INDEX);
    expect(hidden.body).not.toContain('SECRET');
  });

  it('answers 503 with how to build it when the console is not built', async () => {
    const bare = await stack.startInstance({ console: { enabled: true, dir: empty } });
    const res = await fetch(`${bare.url}/console/accounts/x`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('The console is not built: run <code>npm run build</code>');
  });

  it('is off with CONSOLE_ENABLED=false: / and /console/ are unknown routes', async () => {
    const off = await stack.startInstance({ console: { enabled: false, dir: built } });
    expect((await fetch(`${off.url}/`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${off.url}/console/`)).status).toBe(404);
  });
});
