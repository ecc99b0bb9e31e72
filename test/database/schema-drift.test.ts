import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WECHAT_OPEN_ENTITIES } from '@app/wechat-open';
import { PLATFORM_ENTITIES } from '../../apps/platform/src/entities.js';
import { createTestDatabase, realServerUrl, TestDatabase } from '../support/database.js';

/**
 * The entities are the schema's truth (style rule 15): TypeORM's schema diff against a freshly
 * migrated database, which is what `npm run migration:generate` runs, must find nothing to do.
 * When this fails, the message lists the statements TypeORM would run: declare in the entities
 * what the migrations created (or write the migration the entities ask for).
 *
 * Left to the migrations, because TypeORM has no notion of them (its diff never proposes anything
 * for them): the append-only triggers and their forbid_change() function, the column orderings of
 * a few indexes (DESC, NULLS FIRST), the typeorm_migrations table, and the `audit` schema of
 * read-only views for DBAs (views are not entities). The second test names them.
 */
describe('schema drift', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = dataSource(db.url, db.poolSize);
    await ds.initialize();
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('TypeORM finds no difference between the entities and the migrated database', async () => {
    const { upQueries } = await ds.driver.createSchemaBuilder().log();
    const statements = upQueries.map((q) => q.query);
    expect(
      statements,
      `the entities and the migrations disagree; TypeORM would run ${statements.length} ` +
        `statement(s):\n${statements.join(';\n')}`,
    ).toEqual([]);
  });

  /**
   * TypeORM's diff compares checks, uniques and indexes by name only, and never looks at an
   * index's WHERE clause: a typo in an entity's check or partial index would pass the test above.
   * So the schema TypeORM builds from the entities alone is compared, catalog to catalog, with
   * the migrated one.
   */
  it('the schema built from the entities alone is the migrated schema', async ({ skip }) => {
    if (db.kind !== 'real') skip('needs a real PostgreSQL to create a second database');
    const server = (await realServerUrl())!;
    const name = `${new URL(db.url).pathname.slice(1)}_entities`;
    await admin(server, `CREATE DATABASE ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    const built = dataSource(url.toString(), 2);
    try {
      await built.initialize();
      await built.synchronize();
      const [migrated, fromEntities] = [await catalog(db.url), await catalog(url.toString())];
      expect(fromEntities.columns.map(bigintDefault)).toEqual(migrated.columns);
      expect(fromEntities.constraints).toEqual(migrated.constraints);
      expect(fromEntities.tableComments).toEqual(migrated.tableComments);
      // The append-only triggers are the migrations' alone: TypeORM has no notion of triggers.
      expect(migrated.triggers).toEqual(APPEND_ONLY_TRIGGERS);
      expect(fromEntities.triggers).toEqual([]);
      expect(withoutOrdering(fromEntities.indexes)).toEqual(withoutOrdering(migrated.indexes));
      // The audit views are the migrations' alone (views are not entities, and the catalog above
      // looks at the public schema's tables only): the migrated side has them, the other not.
      expect(migrated.auditViews.length).toBeGreaterThan(0);
      expect(fromEntities.auditViews).toEqual([]);
      // The only index differences allowed are the orderings TypeORM cannot declare.
      const differing = migrated.indexes.filter((i) => !fromEntities.indexes.includes(i));
      expect(differing.map((i) => /INDEX (\S+) ON/.exec(i)![1]).sort()).toEqual(
        ORDERING_NOT_EXPRESSIBLE,
      );
    } finally {
      if (built.isInitialized) await built.destroy();
      await admin(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});

/**
 * Indexes whose migration orders a column (DESC, NULLS FIRST), which TypeORM's @Index cannot say
 * and its diff does not compare. The entities declare their names, columns and WHERE clauses.
 */
const ORDERING_NOT_EXPRESSIBLE = [
  'authorizer_history_account',
  'authorizer_profile_due',
  'authorizer_refresh_log_account',
  'pre_auth_session_tenant',
  'wechat_event_log_authorizer',
  'wechat_event_log_component_time',
];

/**
 * Triggers (BEFORE UPDATE OR DELETE for each row, BEFORE TRUNCATE for each statement:
 * forbid_change()) that TypeORM cannot declare.
 */
const APPEND_ONLY_TRIGGERS = [
  'authorizer_history | authorizer_history_append_only',
  'authorizer_history | authorizer_history_no_truncate',
  'authorizer_refresh_log | authorizer_refresh_log_append_only',
  'authorizer_refresh_log | authorizer_refresh_log_no_truncate',
  'quota_reset | quota_reset_append_only',
  'quota_reset | quota_reset_no_truncate',
  'secret_access_log | secret_access_log_append_only',
  'secret_access_log | secret_access_log_no_truncate',
  'wechat_event_log | wechat_event_log_append_only',
  'wechat_event_log | wechat_event_log_no_truncate',
];

function dataSource(url: string, poolSize: number): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [...WECHAT_OPEN_ENTITIES, ...PLATFORM_ENTITIES],
    synchronize: false,
    migrationsRun: false,
    poolSize,
  });
}

/**
 * TypeORM writes a bigint default 0 as '0' (stored as '0'::bigint), where the migrations write 0:
 * the same value, and the quoted form is the one TypeORM's own diff expects.
 */
function bigintDefault(column: string): string {
  return column.replace(/DEFAULT '(-?\d+)'::bigint/, 'DEFAULT $1');
}

function withoutOrdering(indexes: string[]): string[] {
  return indexes.map((i) => i.replace(/ (DESC|NULLS FIRST)\b/g, ''));
}

async function admin(server: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: server });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/**
 * What a schema is made of, as PostgreSQL prints it, sorted; the migrations table left out. Only
 * the public schema's tables are compared; the audit schema's views are only listed.
 */
async function catalog(url: string) {
  const c = new Client({ connectionString: url });
  await c.connect();
  const rows = async (sql: string) =>
    (await c.query<{ r: string }>(sql)).rows.map((row) => row.r).sort();
  const tables = `c.relnamespace = 'public'::regnamespace AND c.relname <> 'typeorm_migrations'`;
  try {
    return {
      auditViews: await rows(`
        SELECT c.relname AS r FROM pg_class c
         WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = 'audit')`),
      columns: await rows(`
        SELECT concat_ws(' | ', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                         CASE WHEN a.attnotnull THEN 'NOT NULL' END,
                         'DEFAULT ' || pg_get_expr(d.adbin, d.adrelid),
                         'COMMENT ' || col_description(c.oid, a.attnum)) AS r
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND ${tables}`),
      constraints: await rows(`
        SELECT concat_ws(' | ', c.relname, k.conname, pg_get_constraintdef(k.oid)) AS r
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE ${tables}`),
      indexes: await rows(`
        SELECT pg_get_indexdef(i.indexrelid) AS r
          FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE ${tables}`),
      triggers: await rows(`
        SELECT c.relname || ' | ' || t.tgname AS r
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE NOT t.tgisinternal AND ${tables}`),
      tableComments: await rows(`
        SELECT c.relname || ' | ' || obj_description(c.oid, 'pg_class') AS r
          FROM pg_class c WHERE c.relkind = 'r' AND obj_description(c.oid, 'pg_class') IS NOT NULL
           AND ${tables}`),
    };
  } finally {
    await c.end();
  }
}
