import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The retention exemption of forbid_change() was open to anyone: any role with DELETE on a log
 * table could set_config('wop.retention_pruning', 'on', true) itself and delete. The exemption now
 * also requires the statement to run as the role `wop_retention` (RETENTION_ROLE), a NOLOGIN role
 * that owns the retention function (SECURITY DEFINER, so inside it current_user is that role): a
 * session cannot become it without being granted it, whatever it sets. The role itself is created
 * by the host that prunes (the platform's migration RetentionRole); the library only names it.
 * Still not a guard against the tables' owner or a superuser, who can disable a trigger.
 */
export class RetentionRoleExemption1796293422443 implements MigrationInterface {
  name = 'RetentionRoleExemption1796293422443';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- The retention function's exemption: deletes of old log rows by the role wop_retention
        -- (the owner of the SECURITY DEFINER retention function), while its SET clause has
        -- wop.retention_pruning on. Setting the option alone no longer passes.
        IF TG_OP = 'DELETE'
           AND TG_TABLE_NAME IN ('wechat_event_log', 'authorizer_refresh_log', 'secret_access_log')
           AND current_user = 'wop_retention'
           AND current_setting('wop.retention_pruning', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
      END $$`);
    await q.query(`COMMENT ON FUNCTION forbid_change() IS
      'trigger of the append-only tables: refuses UPDATE, DELETE and TRUNCATE; only a DELETE on a log table by the role wop_retention (the retention function''s owner) while wop.retention_pruning is on passes'`);
  }

  async down(q: QueryRunner): Promise<void> {
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
  }
}
