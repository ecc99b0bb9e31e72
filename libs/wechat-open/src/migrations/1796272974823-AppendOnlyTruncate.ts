import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['authorizer_history', 'wechat_event_log', 'authorizer_refresh_log'];

/**
 * TRUNCATE skips row triggers: the append-only tables refused UPDATE and DELETE but could still be
 * emptied in one statement. A statement trigger on forbid_change() closes that (TRUNCATE is never
 * exempt; the retention job deletes old rows in batches).
 */
export class AppendOnlyTruncate1796272974823 implements MigrationInterface {
  name = 'AppendOnlyTruncate1796272974823';

  async up(q: QueryRunner): Promise<void> {
    for (const t of TABLES)
      await q.query(`CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t}
        FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of TABLES) await q.query(`DROP TRIGGER ${t}_no_truncate ON ${t}`);
  }
}
