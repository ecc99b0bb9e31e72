import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The kind of each claimed message (its MsgType, or `event:<Event>`), so the admin console can
 * count the messages of the last day by kind. Nullable: claims written before this column have
 * none (and are pruned within a day anyway).
 */
export class MessageDedupeMsgType1796281552205 implements MigrationInterface {
  name = 'MessageDedupeMsgType1796281552205';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wechat_message_dedupe ADD COLUMN msg_type text`);
    await q.query(`COMMENT ON COLUMN wechat_message_dedupe.msg_type IS
      'the message''s kind, lowercased: its MsgType, or event:<Event> for an event (other when unusual); null on claims older than the column'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE wechat_message_dedupe DROP COLUMN msg_type`);
  }
}
