import { readdirSync } from 'node:fs';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wechatOpenMigrations } from '@app/wechat-open';
import { APP_MIGRATIONS, MIGRATIONS } from '../../migrations/index.js';
import {
  revertLastMigration,
  runMigrations,
} from '../../apps/platform/src/database/migration-runner.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  /** `<unix-ms>-Name.ts` of each class, as migration:create names the files. */
  const fileNames = (list: { name: string }[]) =>
    list.map((m) => `${/(\d{13})$/.exec(m.name)![1]}-${m.name.replace(/\d{13}$/, '')}.ts`);
  const filesOf = (folder: string) =>
    readdirSync(folder)
      .filter((f) => /^\d{13}-[A-Za-z0-9]+\.ts$/.test(f))
      .sort();

  it("lists every file of the library's migrations folder in wechatOpenMigrations, oldest first", () => {
    expect(fileNames(wechatOpenMigrations)).toEqual(filesOf('libs/wechat-open/src/migrations'));
  });

  it("lists every file of migrations/ (the app's own) in APP_MIGRATIONS, after the library's", () => {
    expect(fileNames(APP_MIGRATIONS)).toEqual(filesOf('migrations'));
    expect(MIGRATIONS).toEqual([...wechatOpenMigrations, ...APP_MIGRATIONS]);
  });

  it('are applied, revert fully with down(), and apply again', async () => {
    const tables = async () => {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      try {
        const { rows } = await c.query<{ t: string }>(
          `SELECT table_name AS t FROM information_schema.tables
            WHERE table_schema = 'public' AND table_name <> 'typeorm_migrations' ORDER BY 1`,
        );
        return rows.map((r) => r.t);
      } finally {
        await c.end();
      }
    };
    expect(await tables()).toContain('component_token');
    for (let i = 0; i < MIGRATIONS.length; i++)
      expect(await revertLastMigration(db.url)).toBe(true);
    expect(await tables()).toEqual([]);
    const applied = await runMigrations(db.url, { lock: db.kind === 'real' });
    expect(applied).toHaveLength(MIGRATIONS.length);
    expect(await tables()).toContain('component_token');
  });

  it('is safe when several instances migrate at once (advisory lock)', async ({ skip }) => {
    if (db.kind !== 'real') skip('needs a real PostgreSQL with several connections');
    for (let i = 0; i < MIGRATIONS.length; i++) await revertLastMigration(db.url);
    const results = await Promise.all([1, 2, 3].map(() => runMigrations(db.url, { lock: true })));
    expect(results.map((r) => r.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
  });
});
