import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Authorized accounts and their tokens, with append-only history and refresh logs for DBAs, the
 * pre-authorization sessions that bind an account to a tenant, and the authorization codes that
 * both the push and the landing redirect may redeem (whichever comes first).
 */
export class AuthorizerRegistry1795000100000 implements MigrationInterface {
  name = 'AuthorizerRegistry1795000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
      END $$`);
    await q.query(`CREATE TRIGGER wechat_event_log_append_only BEFORE UPDATE OR DELETE ON wechat_event_log
      FOR EACH ROW EXECUTE FUNCTION forbid_change()`);

    await q.query(`
      CREATE TABLE authorizer (
        component_appid      text NOT NULL,
        authorizer_appid     text NOT NULL,
        tenant_id            text,
        status               text NOT NULL CHECK (status IN ('authorized', 'revoked', 'needs_reauth')),
        account_kind         text CHECK (account_kind IN ('official_account', 'mini_program')),
        nick_name            text,
        user_name            text,
        alias                text,
        principal_name       text,
        signature            text,
        service_type         integer,
        verify_type          integer,
        account_status       integer,
        head_img             text,
        qrcode_url           text,
        func_info            integer[] NOT NULL DEFAULT '{}',
        authorized_at        timestamptz,
        updated_at           timestamptz NOT NULL,
        revoked_at           timestamptz,
        profile_refreshed_at timestamptz,
        PRIMARY KEY (component_appid, authorizer_appid)
      )`);
    await q.query(`CREATE INDEX authorizer_tenant ON authorizer (tenant_id, component_appid)`);
    await q.query(`CREATE INDEX authorizer_appid ON authorizer (authorizer_appid)`);
    await q.query(`CREATE INDEX authorizer_profile_due ON authorizer (profile_refreshed_at NULLS FIRST)
      WHERE status = 'authorized'`);
    await q.query(`COMMENT ON COLUMN authorizer.func_info IS
      'permission set ids (funcscope_category.id) actually granted'`);

    await q.query(`
      CREATE TABLE authorizer_token (
        component_appid          text NOT NULL,
        authorizer_appid         text NOT NULL,
        access_token_ciphertext  text,
        refresh_token_ciphertext text,
        expires_at               timestamptz,
        next_refresh_at          timestamptz,
        refreshed_at             timestamptz,
        lease_owner              text,
        lease_until              timestamptz,
        failure_count            integer NOT NULL DEFAULT 0,
        last_errcode             integer,
        version                  bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (component_appid, authorizer_appid),
        FOREIGN KEY (component_appid, authorizer_appid)
          REFERENCES authorizer (component_appid, authorizer_appid) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX authorizer_token_due ON authorizer_token (next_refresh_at)
      WHERE next_refresh_at IS NOT NULL`);
    await q.query(`COMMENT ON COLUMN authorizer_token.next_refresh_at IS
      'planned refresh (expiry minus a margin, with jitter); NULL = not refreshed (revoked, needs re-authorization)'`);

    await q.query(`
      CREATE TABLE authorizer_history (
        id               bigserial PRIMARY KEY,
        component_appid  text NOT NULL,
        authorizer_appid text NOT NULL,
        tenant_id        text,
        action           text NOT NULL,
        changes          jsonb NOT NULL DEFAULT '{}',
        cause            text NOT NULL,
        actor            text NOT NULL,
        at               timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX authorizer_history_account ON authorizer_history
      (component_appid, authorizer_appid, at DESC)`);
    await q.query(`CREATE TRIGGER authorizer_history_append_only BEFORE UPDATE OR DELETE ON authorizer_history
      FOR EACH ROW EXECUTE FUNCTION forbid_change()`);

    await q.query(`
      CREATE TABLE authorizer_refresh_log (
        id               bigserial PRIMARY KEY,
        component_appid  text NOT NULL,
        authorizer_appid text NOT NULL,
        instance         text NOT NULL,
        trigger          text NOT NULL,
        result           text NOT NULL,
        errcode          integer,
        duration_ms      integer NOT NULL,
        at               timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX authorizer_refresh_log_account ON authorizer_refresh_log
      (authorizer_appid, at DESC)`);

    await q.query(`
      CREATE TABLE pre_auth_session (
        id                 text PRIMARY KEY,
        component_appid    text NOT NULL,
        tenant_id          text NOT NULL,
        link_kind          text NOT NULL CHECK (link_kind IN ('pc', 'mobile')),
        auth_type          integer NOT NULL,
        biz_appid          text,
        category_id_list   integer[],
        return_url         text NOT NULL,
        pre_auth_code_hash text UNIQUE,
        created_at         timestamptz NOT NULL,
        expires_at         timestamptz NOT NULL,
        opened_at          timestamptz,
        consumed_at        timestamptz,
        authorizer_appid   text,
        outcome            text
      )`);
    await q.query(
      `CREATE INDEX pre_auth_session_tenant ON pre_auth_session (tenant_id, created_at DESC)`,
    );

    await q.query(`
      CREATE TABLE authorization_code (
        code_hash          text PRIMARY KEY,
        component_appid    text NOT NULL,
        pre_auth_code_hash text,
        status             text NOT NULL CHECK (status IN ('redeeming', 'redeemed', 'failed')),
        lease_until        timestamptz NOT NULL,
        authorizer_appid   text,
        outcome            text,
        created_at         timestamptz NOT NULL,
        finished_at        timestamptz
      )`);
    await q.query(`COMMENT ON TABLE authorization_code IS
      'one row per auth_code (hashed): the push and the landing redirect redeem it once between them'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE authorization_code');
    await q.query('DROP TABLE pre_auth_session');
    await q.query('DROP TABLE authorizer_refresh_log');
    await q.query('DROP TABLE authorizer_history');
    await q.query('DROP TABLE authorizer_token');
    await q.query('DROP TABLE authorizer');
    await q.query('DROP TRIGGER wechat_event_log_append_only ON wechat_event_log');
    await q.query('DROP FUNCTION forbid_change()');
  }
}
