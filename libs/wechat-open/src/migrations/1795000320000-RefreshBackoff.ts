import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hardening: per-account backoff of profile refreshes. An account whose api_get_authorizer_info
 * keeps failing waits its own turn (15 min doubling) instead of staying the oldest profile and
 * being fetched first, and failing, on every run, ahead of everyone else.
 */
export class RefreshBackoff1795000320000 implements MigrationInterface {
  name = 'RefreshBackoff1795000320000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE authorizer
      ADD COLUMN profile_failure_count integer NOT NULL DEFAULT 0,
      ADD COLUMN profile_retry_at timestamptz`);
    await q.query(`COMMENT ON COLUMN authorizer.profile_failure_count IS
      'failed profile fetches in a row (api_get_authorizer_info); 0 after a success'`);
    await q.query(`COMMENT ON COLUMN authorizer.profile_retry_at IS
      'no scheduled profile fetch before this (backoff after failures); NULL = no backoff'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE authorizer
      DROP COLUMN profile_retry_at,
      DROP COLUMN profile_failure_count`);
  }
}
