import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { Client } from 'pg';

/**
 * The worker's program. It is plain CommonJS evaluated in a worker thread, so it runs the same
 * from compiled dist/ and from TypeScript under the test runner. PGlite is one session: the socket
 * server multiplexes clients onto it query by query, so two clients' transactions would mix. The
 * platform therefore keeps a pool of one connection; the server still admits a few, because a
 * closed client is released asynchronously and a strict limit of one turns the next away.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require('@electric-sql/pglite');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
(async () => {
  const db = await PGlite.create(workerData.dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
  parentPort.on('message', async (msg) => {
    if (msg !== 'stop') return;
    try { await server.stop(); await db.close(); } finally { parentPort.postMessage({ stopped: true }); }
  });
  parentPort.postMessage({ port });
})().catch((err) => parentPort.postMessage({ error: String((err && err.stack) || err) }));
`;

export interface EmbeddedPostgresOptions {
  /** Folder for the data files; `memory://` keeps everything in memory (tests). */
  dataDir: string;
}

/** Raised when another process already holds the embedded database folder. */
export class EmbeddedPostgresLockedError extends Error {}

/**
 * PostgreSQL for a machine with nothing installed: PGlite behind its socket server, in a worker
 * thread so queries never block the event loop, reachable by `pg` like any server. One process
 * per data folder, enforced by a lock file holding the owner's pid.
 */
export class EmbeddedPostgres {
  private worker?: Worker;
  private lockFile?: string;
  private port?: number;

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  get url(): string {
    if (this.port === undefined) throw new Error('embedded PostgreSQL is not started');
    return `postgres://postgres@127.0.0.1:${this.port}/postgres?sslmode=disable`;
  }

  get inMemory(): boolean {
    return this.options.dataDir.startsWith('memory://');
  }

  async start(): Promise<string> {
    let dataDir = this.options.dataDir;
    if (!this.inMemory) {
      dataDir = resolve(dataDir);
      mkdirSync(dirname(dataDir), { recursive: true });
      this.lockFile = acquireLock(`${dataDir}.lock`);
    }
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dataDir } });
      this.worker = worker;
      this.port = await new Promise<number>((resolvePort, reject) => {
        worker.once('message', (msg: { port?: number; error?: string }) =>
          msg.port ? resolvePort(msg.port) : reject(new Error(`embedded PostgreSQL: ${msg.error}`)),
        );
        worker.once('error', reject);
      });
      return this.url;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /**
   * Resolves once a new connection is accepted. The socket server admits one client at a time and
   * releases a closed one asynchronously, so a connection opened right after another closed (the
   * migrations' then the app's) can be turned away for a moment.
   */
  async waitUntilFree(attempts = 50): Promise<void> {
    for (let i = 1; ; i++) {
      const client = new Client({ connectionString: this.url });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        if (i >= attempts) throw error;
        await sleep(50);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      await new Promise<void>((done) => {
        const timer = setTimeout(() => done(), 5000);
        worker.once('message', () => {
          clearTimeout(timer);
          done();
        });
        worker.postMessage('stop');
      });
      await worker.terminate();
    }
    if (this.lockFile) {
      rmSync(this.lockFile, { force: true });
      this.lockFile = undefined;
    }
  }
}

function acquireLock(path: string): string {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new EmbeddedPostgresLockedError(
          `the embedded database folder ${join(path, '..')} is in use by process ${owner}; ` +
            'embedded mode is single-instance: stop that process, or set DATABASE_URL to share a PostgreSQL',
        );
      }
      rmSync(path, { force: true }); // left behind by a process that is gone
    }
  }
  throw new EmbeddedPostgresLockedError(`could not take the lock file ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
