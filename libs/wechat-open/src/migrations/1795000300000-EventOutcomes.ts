import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hardening: the outcome of every push (applied or ignored, and why), and the time of the last
 * authorization state change applied to each account, so that an older push never undoes a newer
 * change (a replayed `unauthorized` after a re-authorization).
 */
export class EventOutcomes1795000300000 implements MigrationInterface {
  name = 'EventOutcomes1795000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wechat_event_log
      ADD COLUMN disposition text NOT NULL DEFAULT 'applied' CHECK (disposition IN ('applied', 'ignored')),
      ADD COLUMN note text`);
    await q.query(`COMMENT ON COLUMN wechat_event_log.note IS
      'why a push was ignored (for example: older than the last state change of the account)'`);
    await q.query(`ALTER TABLE authorizer ADD COLUMN state_event_at timestamptz`);
    await q.query(`ALTER TABLE authorizer_history ADD COLUMN note text`);
    await q.query(`COMMENT ON COLUMN authorizer_history.note IS
      'why nothing changed: action push_ignored records a push older than the last state change'`);
    await q.query(`COMMENT ON COLUMN authorizer.state_event_at IS
      'when the last authorization state change happened: WeChat''s CreateTime for a push, else our clock (whole seconds); older pushes are ignored'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE authorizer_history DROP COLUMN note');
    await q.query('ALTER TABLE authorizer DROP COLUMN state_event_at');
    await q.query('ALTER TABLE wechat_event_log DROP COLUMN note, DROP COLUMN disposition');
  }
}
