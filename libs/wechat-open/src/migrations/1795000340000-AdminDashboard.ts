import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The admin dashboard: accounts the platform detached (status `detached`), and indexes for the
 * search's sort keys with their keyset tie-breakers, so that a page is an index range rather than
 * a sort of every account.
 */
export class AdminDashboard1795000340000 implements MigrationInterface {
  name = 'AdminDashboard1795000340000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE authorizer DROP CONSTRAINT authorizer_status_check`);
    await q.query(`ALTER TABLE authorizer ADD CONSTRAINT authorizer_status_check
      CHECK (status IN ('authorized', 'revoked', 'needs_reauth', 'detached'))`);
    await q.query(`CREATE INDEX authorizer_authorized_at
      ON authorizer (authorized_at, component_appid, authorizer_appid)`);
    await q.query(`CREATE INDEX authorizer_updated_at
      ON authorizer (updated_at, component_appid, authorizer_appid)`);
    await q.query(`CREATE INDEX authorizer_nick_name
      ON authorizer (nick_name, component_appid, authorizer_appid)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX authorizer_nick_name');
    await q.query('DROP INDEX authorizer_updated_at');
    await q.query('DROP INDEX authorizer_authorized_at');
    // The older schema has no such status: a detached account is one whose tokens are gone, as
    // a revoked one's are (its history still says it was detached).
    await q.query(`UPDATE authorizer SET status = 'revoked' WHERE status = 'detached'`);
    await q.query(`ALTER TABLE authorizer DROP CONSTRAINT authorizer_status_check`);
    await q.query(`ALTER TABLE authorizer ADD CONSTRAINT authorizer_status_check
      CHECK (status IN ('authorized', 'revoked', 'needs_reauth'))`);
  }
}
