import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['secret_access_log', 'quota_reset'];

/**
 * TRUNCATE skips row triggers: the app's append-only tables refused UPDATE and DELETE but could
 * still be emptied in one statement. A statement trigger on forbid_change() closes that, as the
 * library does for its own (history, event log, refresh log).
 */
export class AppendOnlyTruncate1796272976869 implements MigrationInterface {
  name = 'AppendOnlyTruncate1796272976869';

  async up(q: QueryRunner): Promise<void> {
    for (const t of TABLES)
      await q.query(`CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t}
        FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of TABLES) await q.query(`DROP TRIGGER ${t}_no_truncate ON ${t}`);
  }
}
