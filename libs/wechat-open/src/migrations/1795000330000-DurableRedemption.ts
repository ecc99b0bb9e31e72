import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hardening: the api_query_auth answer kept before anything else can fail (WeChat consumes the
 * code: a second call gets 61009), JS-SDK ticket backoff (getticket's quota is small), and a
 * cheap count of jobs that failed for good (the health page shows it).
 */
export class DurableRedemption1795000330000 implements MigrationInterface {
  name = 'DurableRedemption1795000330000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE authorization_code ADD COLUMN answer_ciphertext text`);
    await q.query(`COMMENT ON COLUMN authorization_code.answer_ciphertext IS
      'SecretBox-sealed api_query_auth answer, stored the moment it arrives and cleared once the redemption is stored: a retry finishes from it'`);
    await q.query(`
      ALTER TABLE jsapi_ticket
        ADD COLUMN failure_count integer NOT NULL DEFAULT 0,
        ADD COLUMN retry_at timestamptz,
        ADD COLUMN last_errcode integer`);
    await q.query(`COMMENT ON COLUMN jsapi_ticket.retry_at IS
      'after a failed getticket, neither the keep-warm sweep nor a request calls WeChat before this time'`);
    await q.query(`CREATE INDEX wechat_job_failed ON wechat_job (kind) WHERE status = 'failed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX wechat_job_failed');
    await q.query(`
      ALTER TABLE jsapi_ticket
        DROP COLUMN last_errcode,
        DROP COLUMN retry_at,
        DROP COLUMN failure_count`);
    await q.query('ALTER TABLE authorization_code DROP COLUMN answer_ciphertext');
  }
}
