import { MigrationInterface, QueryRunner } from 'typeorm';

/** The message URL's deduplication claims (WeChat retries a message up to 3 times). */
export class MessageDedupe1795000370000 implements MigrationInterface {
  name = 'MessageDedupe1795000370000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wechat_message_dedupe (
        component_appid  text NOT NULL,
        authorizer_appid text NOT NULL,
        dedupe_key       text NOT NULL,
        claimed_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT wechat_message_dedupe_pkey
          PRIMARY KEY (component_appid, authorizer_appid, dedupe_key)
      )`);
    await q.query(`COMMENT ON COLUMN wechat_message_dedupe.dedupe_key
      IS 'sha256 of MsgId, or of FromUserName, CreateTime and Event'`);
    await q.query(
      `CREATE INDEX wechat_message_dedupe_claimed_at ON wechat_message_dedupe (claimed_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE wechat_message_dedupe');
  }
}
