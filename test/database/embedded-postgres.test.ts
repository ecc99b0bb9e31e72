import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EmbeddedPostgres,
  EmbeddedPostgresLockedError,
} from '../../apps/platform/src/database/embedded-postgres.js';

describe('embedded PostgreSQL (PGlite in a worker thread)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wop-embedded-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves SQL over the PostgreSQL protocol and keeps data across a restart', async () => {
    const first = new EmbeddedPostgres({ dataDir: join(dir, 'pg') });
    const client = new Client(await first.start());
    await client.connect();
    await client.query('CREATE TABLE kept (v int)');
    await client.query('INSERT INTO kept VALUES (42)');
    await client.end();
    await first.stop();

    const second = new EmbeddedPostgres({ dataDir: join(dir, 'pg') });
    const again = new Client(await second.start());
    await again.connect();
    const { rows } = await again.query<{ v: number }>('SELECT v FROM kept');
    expect(rows).toEqual([{ v: 42 }]);
    await again.end();
    await second.stop();
  });

  it('refuses a second owner of the same folder while the first is alive', async () => {
    const owner = new EmbeddedPostgres({ dataDir: join(dir, 'locked') });
    await owner.start();
    try {
      // The lock names our own pid; a different live pid is what a second process would see.
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, 'locked.lock'), String(process.ppid));
      await expect(new EmbeddedPostgres({ dataDir: join(dir, 'locked') }).start()).rejects.toThrow(
        EmbeddedPostgresLockedError,
      );
    } finally {
      await owner.stop();
    }
  });

  it('takes over a lock file left by a process that is gone', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'stale.lock'), '999999999');
    const db = new EmbeddedPostgres({ dataDir: join(dir, 'stale') });
    await expect(db.start()).resolves.toContain('127.0.0.1');
    await db.stop();
  });
});
