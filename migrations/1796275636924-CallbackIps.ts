import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * WeChat's callback IP list (getcallbackip, §13.6), one row per component whose token fetched
 * it: read at start, so that a restarted instance can check pushes before its first fetch.
 */
export class CallbackIps1796275636924 implements MigrationInterface {
  name = 'CallbackIps1796275636924';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE wechat_callback_ip (
        component_appid text NOT NULL,
        ip_list text[] NOT NULL,
        fetched_at timestamptz NOT NULL,
        CONSTRAINT wechat_callback_ip_pkey PRIMARY KEY (component_appid)
      )`);
    await q.query(
      `COMMENT ON TABLE wechat_callback_ip IS 'WeChat''s push source addresses (getcallbackip), one row per component whose token fetched them; refreshed daily, read at start'`,
    );
    await q.query(
      `COMMENT ON COLUMN wechat_callback_ip.component_appid IS 'the component whose token fetched the list'`,
    );
    await q.query(
      `COMMENT ON COLUMN wechat_callback_ip.ip_list IS 'the addresses getcallbackip listed (ip_list), as WeChat gave them'`,
    );
    await q.query(
      `COMMENT ON COLUMN wechat_callback_ip.fetched_at IS 'when WeChat gave this list'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE wechat_callback_ip');
  }
}
