import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The platform's access model (the app's own tables, not the library's): tenants with their
 * settings, API keys stored as hashes, and the append-only log of every secret handed out by the
 * token API.
 */
export class TenantsAndKeys1796000000000 implements MigrationInterface {
  name = 'TenantsAndKeys1796000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant (
        id text NOT NULL,
        name text NOT NULL,
        return_url_prefixes text[] NOT NULL DEFAULT '{}',
        jssdk_domains text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT tenant_pkey PRIMARY KEY (id),
        CONSTRAINT tenant_id_check CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$')
      )`);
    await q.query(
      `COMMENT ON TABLE tenant IS 'a customer of the SaaS; authorizer.tenant_id names one (no foreign key: the library does not know this table)'`,
    );
    await q.query(
      `COMMENT ON COLUMN tenant.return_url_prefixes IS 'where the tenant''s users may be sent back after authorizing (origin + path prefix)'`,
    );
    await q.query(
      `COMMENT ON COLUMN tenant.jssdk_domains IS 'hosts the token API signs JS-SDK configs for, for this tenant''s accounts'`,
    );
    await q.query(`
      CREATE TABLE api_key (
        id uuid NOT NULL,
        kind text NOT NULL,
        name text NOT NULL,
        tenant_id text,
        display_prefix text NOT NULL,
        secret_hash bytea NOT NULL,
        scope_tenant_ids text[],
        scope_authorizer_appids text[],
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT api_key_pkey PRIMARY KEY (id),
        CONSTRAINT api_key_kind_check CHECK (kind IN ('operator', 'tenant', 'service')),
        CONSTRAINT api_key_tenant_check CHECK ((kind = 'tenant') = (tenant_id IS NOT NULL)),
        CONSTRAINT api_key_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE RESTRICT
      )`);
    await q.query(`CREATE INDEX api_key_tenant ON api_key (tenant_id)`);
    await q.query(
      `COMMENT ON TABLE api_key IS 'keys of the admin and token APIs; the key itself is shown once at creation and never stored'`,
    );
    await q.query(
      `COMMENT ON COLUMN api_key.secret_hash IS 'SHA-256 of the key''s secret part (256 random bits, so a plain hash is enough)'`,
    );
    await q.query(
      `COMMENT ON COLUMN api_key.display_prefix IS 'the start of the key (kind and id), safe to show: tells an operator which key a log line names'`,
    );
    await q.query(
      `COMMENT ON COLUMN api_key.scope_tenant_ids IS 'service keys: only these tenants'' accounts (NULL: every tenant)'`,
    );
    await q.query(
      `COMMENT ON COLUMN api_key.scope_authorizer_appids IS 'service keys: only these accounts (NULL: every account in scope)'`,
    );
    await q.query(`
      CREATE TABLE secret_access_log (
        id bigserial NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        api_key_id uuid NOT NULL,
        action text NOT NULL,
        component_appid text NOT NULL,
        authorizer_appid text NOT NULL,
        tenant_id text,
        request_id text,
        CONSTRAINT secret_access_log_pkey PRIMARY KEY (id),
        CONSTRAINT secret_access_log_action_check
          CHECK (action IN ('access_token', 'jssdk_config', 'token_rejected', 'call'))
      )`);
    await q.query(
      `CREATE INDEX secret_access_log_authorizer ON secret_access_log (authorizer_appid, at)`,
    );
    await q.query(`CREATE INDEX secret_access_log_key ON secret_access_log (api_key_id, at)`);
    await q.query(
      `COMMENT ON TABLE secret_access_log IS 'append-only: every secret the token API handed out or used (who, which account, when), never the secret'`,
    );
    await q.query(`CREATE TRIGGER secret_access_log_append_only BEFORE UPDATE OR DELETE ON secret_access_log
      FOR EACH ROW EXECUTE FUNCTION forbid_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE secret_access_log');
    await q.query('DROP TABLE api_key');
    await q.query('DROP TABLE tenant');
  }
}
