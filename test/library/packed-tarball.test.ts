import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '@app/sandbox';
import { createEmptyDatabase, EmptyDatabase } from '../support/empty-database.js';
import { SandboxControl } from '../support/sandbox-control.js';
import { eventually, freePort, newComponent } from '../support/stack.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
const LIBRARY = join(REPO, 'libs/wechat-open');

/**
 * The peers a host installs beside the package. They are linked from the repository's
 * node_modules (the versions of its lockfile) rather than installed: a full install of Nest and
 * TypeORM takes about a minute, the package and its own dependencies a few seconds.
 */
const PEERS = Object.keys(
  (
    JSON.parse(readFileSync(join(LIBRARY, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    }
  ).peerDependencies,
);

/**
 * The scratch host: plain JavaScript (no decorators, no TypeScript), as small as a Nest service
 * using the package can be. It serves the event URL with node:http, hands pushes to
 * ComponentEventService, and answers GET /token with a component access token.
 */
const HOST_SOURCE = `
import 'reflect-metadata';
import { createServer } from 'node:http';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import * as pkg from '@wechat-open/nestjs';

const { WechatOpenModule, WECHAT_OPEN_ENTITIES, wechatOpenMigrations, ComponentEventService,
  ComponentTokenService } = pkg;
const env = JSON.parse(process.env.SCRATCH_HOST);

class HostModule {}
Module({
  imports: [
    ScheduleModule.forRoot(),
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: env.databaseUrl,
      poolSize: env.poolSize,
      entities: WECHAT_OPEN_ENTITIES,
      migrations: wechatOpenMigrations,
      migrationsRun: true,
      synchronize: false,
      logging: ['error'],
    }),
    WechatOpenModule.forRootAsync({
      useFactory: async () => ({
        components: [env.component],
        dataKeys: [{ kid: 'k1', key: Buffer.from(env.dataKey, 'base64') }],
        api: { baseUrl: env.sandboxUrl, timeoutMs: 2000 },
        authPages: { mpBaseUrl: env.sandboxUrl, openBaseUrl: env.sandboxUrl },
        authorizer: { notifications: false },
      }),
    }),
  ],
})(HostModule);

const app = await NestFactory.createApplicationContext(HostModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
const events = app.get(ComponentEventService);
const tokens = app.get(ComponentTokenService);

// What a host cannot reach: internals are neither exported nor importable by path.
let deepImport = 'allowed';
try {
  await import('@wechat-open/nestjs/dist/jobs/job-queue.service.js');
} catch (error) {
  deepImport = error.code;
}
const probe = {
  exports: Object.keys(pkg).sort(),
  deepImport,
  migrations: wechatOpenMigrations.map((m) => m.name),
};

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://host');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      if (req.method === 'POST' && url.pathname === '/events') {
        const query = Object.fromEntries(url.searchParams);
        await events.receive(env.component.appid, query, Buffer.concat(chunks).toString('utf8'));
        res.end('success');
      } else if (url.pathname === '/token') {
        res.end(JSON.stringify({ token: await tokens.getComponentAccessToken(env.component.appid) }));
      } else if (url.pathname === '/probe') {
        res.end(JSON.stringify(probe));
      } else {
        res.statusCode = 404;
        res.end();
      }
    } catch (error) {
      res.statusCode = 500;
      res.end(JSON.stringify({ error: String(error && error.code ? error.code : error) }));
    }
  });
});
server.listen(env.port, '127.0.0.1', () => process.stdout.write('READY\\n'));
process.on('SIGTERM', () => server.close(() => app.close().then(() => process.exit(0))));
`;

describe('the library as a packed npm tarball, installed outside the repository', () => {
  let scratch: string;
  let db: EmptyDatabase;
  let sandbox: { url: string; close(): Promise<void> };
  let host: ChildProcess | undefined;
  let hostUrl: string;
  let output = '';
  const component = newComponent();

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'wechat-open-tarball-'));
    // npm pack runs the package's prepack (clean + tsc): the tarball holds a fresh build.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: LIBRARY,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [{ filename }] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch-host', private: true, type: 'module' }),
    );
    // The package and its own dependencies, from the npm cache when it has them. The peers are
    // not installed (--legacy-peer-deps) but linked below.
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--legacy-peer-deps',
        '--no-package-lock',
        join(scratch, filename),
      ],
      { cwd: scratch, maxBuffer: 16 * 1024 * 1024 },
    );
    for (const peer of PEERS) {
      const link = join(scratch, 'node_modules', peer);
      mkdirSync(dirname(link), { recursive: true });
      if (!existsSync(link)) symlinkSync(join(REPO, 'node_modules', peer), link, 'dir');
    }
    writeFileSync(join(scratch, 'host.mjs'), HOST_SOURCE);

    db = await createEmptyDatabase();
    sandbox = await startSandbox({ port: 0 });
    const control = new SandboxControl(sandbox.url);
    await control.settings({ ticketPushIntervalMs: 0 });
    const port = await freePort();
    hostUrl = `http://127.0.0.1:${port}`;
    await control.addComponent({ ...component, eventUrl: `${hostUrl}/events` });

    const child = spawn(process.execPath, ['host.mjs'], {
      cwd: scratch,
      env: {
        ...process.env,
        SCRATCH_HOST: JSON.stringify({
          databaseUrl: db.url,
          poolSize: db.poolSize,
          sandboxUrl: sandbox.url,
          component,
          dataKey: randomBytes(32).toString('base64'),
          port,
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    host = child;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`host did not start:\n${output}`)), 60_000);
      child.stdout.on('data', () => {
        if (output.includes('READY')) {
          clearTimeout(timer);
          ready();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`host exited with ${code}:\n${output}`));
      });
    });
  }, 180_000);

  afterAll(async () => {
    if (host && host.exitCode === null) {
      const exited = new Promise((done) => host!.once('exit', done));
      host.kill('SIGTERM');
      await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
      if (host.exitCode === null) host.kill('SIGKILL');
    }
    await sandbox?.close();
    await db?.drop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('ships what its exports map names, and nothing of the sources or tests', () => {
    const installed = join(scratch, 'node_modules/@wechat-open/nestjs');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      exports: { '.': { types: string; import: string } };
      main: string;
      types: string;
    };
    for (const target of [
      manifest.exports['.'].types,
      manifest.exports['.'].import,
      manifest.main,
      manifest.types,
    ])
      expect(existsSync(join(installed, target)), target).toBe(true);
    expect(existsSync(join(installed, 'README.md'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(installed, 'dist/migrations/index.d.ts'))).toBe(true);
  });

  it('boots a plain Nest host that runs wechatOpenMigrations on an empty database', async () => {
    const probe = (await (await fetch(`${hostUrl}/probe`)).json()) as {
      exports: string[];
      deepImport: string;
      migrations: string[];
    };
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ name: string }>('SELECT name FROM migrations ORDER BY id');
      expect(rows.map((r) => r.name)).toEqual(probe.migrations);
      expect(probe.migrations.length).toBeGreaterThan(0);
    } finally {
      await c.end();
    }
    expect(probe.exports).toEqual(
      expect.arrayContaining(['WechatOpenModule', 'ComponentTokenService', 'JsApiService']),
    );
    for (const internal of ['JobQueue', 'WechatEventBus'])
      expect(probe.exports).not.toContain(internal);
    expect(probe.deepImport).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('stores a verify ticket the sandbox pushes and gets a component access token for it', async () => {
    const control = new SandboxControl(sandbox.url);
    const pushed = await control.pushTicket(component.appid);
    expect(pushed.delivered).toBe(true);
    const token = await eventually(async () => {
      const res = await fetch(`${hostUrl}/token`);
      return res.ok ? ((await res.json()) as { token: string }).token : undefined;
    }, 20_000);
    expect(token).toMatch(/\S{16,}/);
    expect((await control.counters()).calls.api_component_token).toBeGreaterThanOrEqual(1);
  });
});
