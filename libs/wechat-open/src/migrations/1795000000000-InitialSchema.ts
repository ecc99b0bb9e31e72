import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The component level of the chain: the newest verify ticket, the component token, the log of
 * every decrypted push, and the durable queue of follow-up work done after answering WeChat.
 * Secrets are stored only as `*_ciphertext` (AES-256-GCM with the key id inside).
 */
export class InitialSchema1795000000000 implements MigrationInterface {
  name = 'InitialSchema1795000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE component_verify_ticket (
        component_appid   text PRIMARY KEY,
        ticket_ciphertext text,
        create_time       timestamptz,
        received_at       timestamptz,
        push_requested_at timestamptz,
        CHECK ((ticket_ciphertext IS NULL) = (create_time IS NULL))
      )`);
    await q.query(`COMMENT ON COLUMN component_verify_ticket.create_time IS
      'WeChat''s CreateTime of the push; an older push never replaces a newer one'`);

    await q.query(`
      CREATE TABLE component_token (
        component_appid  text PRIMARY KEY,
        token_ciphertext text,
        version          bigint NOT NULL DEFAULT 0,
        expires_at       timestamptz,
        refreshed_at     timestamptz,
        refreshed_by     text,
        lease_owner      text,
        lease_until      timestamptz,
        CHECK ((token_ciphertext IS NULL) = (expires_at IS NULL))
      )`);
    await q.query(`COMMENT ON COLUMN component_token.version IS
      'bumped on every new token: a 40001 invalidates only the version that failed'`);
    await q.query(`COMMENT ON COLUMN component_token.lease_owner IS
      'instance minting a token now; others wait for it instead of minting twice'`);

    await q.query(`
      CREATE TABLE wechat_event_log (
        id               bigserial PRIMARY KEY,
        component_appid  text NOT NULL,
        info_type        text NOT NULL,
        authorizer_appid text,
        create_time      timestamptz NOT NULL,
        dedupe_key       text NOT NULL UNIQUE,
        payload          jsonb NOT NULL,
        received_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX wechat_event_log_component_time
      ON wechat_event_log (component_appid, received_at DESC)`);
    await q.query(`CREATE INDEX wechat_event_log_authorizer
      ON wechat_event_log (authorizer_appid, received_at DESC) WHERE authorizer_appid IS NOT NULL`);
    await q.query(`COMMENT ON COLUMN wechat_event_log.payload IS
      'decrypted push with every ticket and code replaced by [redacted]'`);

    await q.query(`
      CREATE TABLE wechat_job (
        id                 bigserial PRIMARY KEY,
        kind               text NOT NULL,
        component_appid    text NOT NULL,
        dedupe_key         text NOT NULL UNIQUE,
        payload_ciphertext text NOT NULL,
        status             text NOT NULL DEFAULT 'pending'
                           CHECK (status IN ('pending', 'done', 'failed')),
        attempts           integer NOT NULL DEFAULT 0,
        next_attempt_at    timestamptz NOT NULL DEFAULT now(),
        lease_owner        text,
        lease_until        timestamptz,
        last_error         text,
        created_at         timestamptz NOT NULL DEFAULT now(),
        finished_at        timestamptz
      )`);
    await q.query(
      `CREATE INDEX wechat_job_due ON wechat_job (next_attempt_at) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE wechat_job');
    await q.query('DROP TABLE wechat_event_log');
    await q.query('DROP TABLE component_token');
    await q.query('DROP TABLE component_verify_ticket');
  }
}
