import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operator's quota resets (the app's own table): every clear_quota attempt, kept so that the
 * platform can refuse the 11th of a month before WeChat does, and say who reset what.
 */
export class QuotaResets1796100000000 implements MigrationInterface {
  name = 'QuotaResets1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE quota_reset (
        id bigserial NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        component_appid text NOT NULL,
        target_appid text NOT NULL,
        api_key_id uuid NOT NULL,
        request_id text,
        outcome text NOT NULL,
        errcode integer,
        CONSTRAINT quota_reset_pkey PRIMARY KEY (id),
        CONSTRAINT quota_reset_outcome_check
          CHECK (outcome IN ('reset', 'refused', 'unknown', 'budget_refused'))
      )`);
    await q.query(
      `CREATE INDEX quota_reset_target ON quota_reset (component_appid, target_appid, at)`,
    );
    await q.query(
      `COMMENT ON TABLE quota_reset IS 'append-only: every clear_quota an operator asked for (who, which account, what WeChat said); WeChat allows 10 resets per account per calendar month, UTC+8'`,
    );
    await q.query(
      `COMMENT ON COLUMN quota_reset.target_appid IS 'the account whose quota was reset: the component itself or one of its accounts'`,
    );
    await q.query(
      `COMMENT ON COLUMN quota_reset.errcode IS 'WeChat''s errcode (0 reset, 48006 monthly limit reached); NULL when WeChat was not called or did not answer'`,
    );
    await q.query(`CREATE TRIGGER quota_reset_append_only BEFORE UPDATE OR DELETE ON quota_reset
      FOR EACH ROW EXECUTE FUNCTION forbid_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE quota_reset');
  }
}
