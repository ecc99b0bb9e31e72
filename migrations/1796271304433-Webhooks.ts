import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Forwarding to tenants (the app's own tables): each tenant's webhook endpoints with their
 * filters and sealed signing secret, and the durable delivery queue that is also the delivery log.
 */
export class Webhooks1796271304433 implements MigrationInterface {
  name = 'Webhooks1796271304433';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoint (
        id uuid NOT NULL,
        tenant_id text NOT NULL,
        url text NOT NULL,
        description text,
        msg_types text[],
        events text[],
        info_types text[],
        authorizer_appids text[],
        enabled boolean NOT NULL DEFAULT true,
        secret_ciphertext text NOT NULL,
        secret_rotated_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_endpoint_pkey PRIMARY KEY (id),
        CONSTRAINT webhook_endpoint_url_check CHECK (url ~ '^https?://'),
        CONSTRAINT webhook_endpoint_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX webhook_endpoint_tenant ON webhook_endpoint (tenant_id)`);
    await q.query(
      `COMMENT ON TABLE webhook_endpoint IS 'a tenant''s webhook: where its accounts'' messages and events are forwarded, and which ones'`,
    );
    await q.query(
      `COMMENT ON COLUMN webhook_endpoint.msg_types IS 'lower-case MsgTypes forwarded (NULL: every one, empty: none)'`,
    );
    await q.query(
      `COMMENT ON COLUMN webhook_endpoint.events IS 'lower-case Events of MsgType event forwarded (NULL: every one, empty: none)'`,
    );
    await q.query(
      `COMMENT ON COLUMN webhook_endpoint.info_types IS 'lower-case InfoTypes of the authorization-event URL forwarded (NULL: every one, empty: none)'`,
    );
    await q.query(
      `COMMENT ON COLUMN webhook_endpoint.authorizer_appids IS 'only these accounts (NULL: every account of the tenant)'`,
    );
    await q.query(
      `COMMENT ON COLUMN webhook_endpoint.secret_ciphertext IS 'the HMAC signing secret, SecretBox-sealed; shown once at creation or rotation'`,
    );
    await q.query(`
      CREATE TABLE webhook_delivery (
        id uuid NOT NULL,
        endpoint_id uuid NOT NULL,
        kind text NOT NULL,
        dedupe_key text NOT NULL,
        authorizer_appid text,
        msg_type text,
        event text,
        info_type text,
        body_ciphertext text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        lease_owner text,
        lease_until timestamptz,
        last_attempt_at timestamptz,
        last_http_status integer,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_delivery_pkey PRIMARY KEY (id),
        CONSTRAINT webhook_delivery_dedupe UNIQUE (endpoint_id, dedupe_key),
        CONSTRAINT webhook_delivery_kind_check CHECK (kind IN ('message', 'event')),
        CONSTRAINT webhook_delivery_status_check
          CHECK (status IN ('pending', 'delivering', 'delivered', 'dead')),
        CONSTRAINT webhook_delivery_endpoint_fkey FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoint (id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX webhook_delivery_leased ON webhook_delivery (lease_until) WHERE status = 'delivering'`,
    );
    await q.query(
      `CREATE INDEX webhook_delivery_endpoint ON webhook_delivery (endpoint_id, created_at)`,
    );
    await q.query(
      `COMMENT ON TABLE webhook_delivery IS 'the forwarding queue and delivery log: one row per (endpoint, message or event), retried with backoff, dead after the last attempt'`,
    );
    await q.query(
      `COMMENT ON COLUMN webhook_delivery.dedupe_key IS 'SHA-256 of what identifies the message or event (MsgId, or sender + CreateTime + Event; the event log id): a WeChat retry enqueues once'`,
    );
    await q.query(
      `COMMENT ON COLUMN webhook_delivery.body_ciphertext IS 'the JSON payload without its id (decrypted WeChat content), SecretBox-sealed'`,
    );
    await q.query(
      `COMMENT ON COLUMN webhook_delivery.last_error IS 'what went wrong last: a network error, or the status and at most 200 characters of the answer'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_delivery');
    await q.query('DROP TABLE webhook_endpoint');
  }
}
