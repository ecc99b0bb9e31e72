import { MigrationInterface, QueryRunner } from 'typeorm';

/** Hardening: the api_query_auth answer kept before anything else can fail, and JS-SDK ticket backoff. */
export class DurableRedemption1795000330000 implements MigrationInterface {
  name = 'DurableRedemption1795000330000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('SELECT 1');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('SELECT 1');
  }
}
