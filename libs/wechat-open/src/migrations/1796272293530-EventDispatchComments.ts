import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The comments wechat_event_dispatch (added alongside SchemaComments) still lacked: every table and
 * column has one, so `\d+` explains the schema (test/audit/schema-comments.test.ts). The entity
 * carries the same.
 */
export class EventDispatchComments1796272293530 implements MigrationInterface {
  name = 'EventDispatchComments1796272293530';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`COMMENT ON TABLE wechat_event_dispatch IS
      'which host handlers (@OnComponentEvent) each stored push was dispatched to, one row per push and handler'`);
    await q.query(`COMMENT ON COLUMN wechat_event_dispatch.critical IS
      'a critical handler runs before WeChat gets its answer, in the transaction that writes this row'`);
    await q.query(`COMMENT ON COLUMN wechat_event_dispatch.dispatched_at IS
      'when the row was written: the critical run committed, or the other handler was claimed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`COMMENT ON COLUMN wechat_event_dispatch.dispatched_at IS NULL`);
    await q.query(`COMMENT ON COLUMN wechat_event_dispatch.critical IS NULL`);
    await q.query(`COMMENT ON TABLE wechat_event_dispatch IS NULL`);
  }
}
