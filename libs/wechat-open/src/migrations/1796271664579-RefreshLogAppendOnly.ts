import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The refresh log joins the append-only tables (history, event log, access log, quota resets): a
 * DBA auditing an account's refreshes must be able to trust that no row was changed or removed.
 * Nothing updates or deletes it today (the refresh code only inserts).
 *
 * forbid_change() gains the one exemption the retention job will need: a DELETE on a log table
 * while the transaction-local setting `wop.retention_pruning` is 'on'. Only the retention
 * function (SECURITY DEFINER, not executable by ordinary roles) is to set it, with
 * set_config('wop.retention_pruning', 'on', true) so it ends with its transaction. UPDATE is never
 * exempt, nor is authorizer_history (never pruned) or quota_reset (the monthly budget reads it).
 * This guards against mistakes and application bugs, not against the tables' owner, who can
 * disable a trigger anyway.
 */
export class RefreshLogAppendOnly1796271664579 implements MigrationInterface {
  name = 'RefreshLogAppendOnly1796271664579';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- The retention function's exemption (see migration RefreshLogAppendOnly): deletes of old
        -- log rows, inside a transaction where it set wop.retention_pruning to 'on'.
        IF TG_OP = 'DELETE'
           AND TG_TABLE_NAME IN ('wechat_event_log', 'authorizer_refresh_log', 'secret_access_log')
           AND current_setting('wop.retention_pruning', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
      END $$`);
    await q.query(`COMMENT ON FUNCTION forbid_change() IS
      'trigger of the append-only tables: refuses UPDATE and DELETE; only a DELETE on a log table while wop.retention_pruning is on (set by the retention function alone) passes'`);
    await q.query(`CREATE TRIGGER authorizer_refresh_log_append_only
      BEFORE UPDATE OR DELETE ON authorizer_refresh_log
      FOR EACH ROW EXECUTE FUNCTION forbid_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER authorizer_refresh_log_append_only ON authorizer_refresh_log');
    await q.query(`COMMENT ON FUNCTION forbid_change() IS NULL`);
    await q.query(`
      CREATE OR REPLACE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
      END $$`);
  }
}
