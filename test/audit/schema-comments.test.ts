import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TestDatabase } from '../support/database.js';

/**
 * `\d+` explains the schema: every table, view and column of the public and audit schemas of a
 * freshly migrated database has a comment. A new table or column needs one, in its entity
 * (`comment:` in @Entity / @Column; TypeORM's diff compares them) and in its migration.
 */
describe('schema comments', () => {
  let db: TestDatabase;
  let c: Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    c = new Client({ connectionString: db.url });
    await c.connect();
  });
  afterAll(async () => {
    await c?.end();
    await db?.drop();
  });

  const relations = `
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname IN ('public', 'audit') AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`;

  it('every table and view has one', async () => {
    const { rows } = await c.query<{ r: string }>(`
      SELECT n.nspname || '.' || c.relname AS r ${relations}
         AND coalesce(obj_description(c.oid, 'pg_class'), '') = '' ORDER BY 1`);
    const missing = rows.map((r) => r.r);
    expect(missing, `tables and views without a comment:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every column has one', async () => {
    const { rows: bare } = await c.query<{ r: string }>(`
      SELECT n.nspname || '.' || c.relname || '.' || a.attname AS r
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('public', 'audit') AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
         AND a.attnum > 0 AND NOT a.attisdropped
         AND coalesce(col_description(c.oid, a.attnum), '') = '' ORDER BY 1`);
    const missing = bare.map((r) => r.r);
    expect((await c.query(`SELECT 1 ${relations}`)).rowCount).toBeGreaterThan(20);
    expect(missing, `columns without a comment:\n${missing.join('\n')}`).toEqual([]);
  });
});
