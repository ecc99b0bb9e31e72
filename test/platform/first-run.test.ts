import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, TestStack } from '../support/stack.js';

/** A GET with the path sent as written (fetch would normalise `..` away before sending). */
function rawGet(
  base: string,
  path: string,
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const INDEX = '<!doctype html><title>fake console</title><div id="root"></div>';
const ASSET = 'console.log("fake asset");';

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
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
      );
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('serves hashed assets as immutable, other files revalidated', async () => {
    const asset = await fetch(`${stack.platform.url}/console/assets/x.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe(ASSET);
    const again = await fetch(`${stack.platform.url}/console/assets/x.js`, {
      headers: { 'if-none-match': asset.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    const icon = await fetch(`${stack.platform.url}/console/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers a missing asset with a 404, not the page', async () => {
    const res = await fetch(`${stack.platform.url}/console/assets/gone-1234.js`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
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
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ statusCode: 400, code: 'INVALID_PATH' });
      expect(res.body).not.toContain('outside the console');
      expect(res.body).not.toContain('"name"');
    }
    const hidden = await rawGet(stack.platform.url, '/console/.env');
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
