import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a DBA auditing authorizer records needs (issue 14):
 *
 * - a comment on every table and column of the app's own tables (the entities carry the same ones;
 *   TypeORM's diff compares them), and on the migrations table TypeORM creates;
 * - the `audit` schema: read-only views over the library's and the app's tables, for an auditor
 *   role that may read them and nothing else (`cli auditor-role-sql`). No view exposes a secret, a
 *   ciphertext (`*_ciphertext`: only whether a token is there) or a hash (`api_key.secret_hash`,
 *   the `*_code_hash` columns). The stored key prefix (`wop_<kind>_<id>`) holds no bit of the
 *   key's secret, so it is shown.
 *
 * The views run with their owner's rights (PostgreSQL's default; `security_invoker` is never set),
 * which is what lets the auditor read them without any right on the tables. The event view filters
 * rows, so it is a security barrier: a function in an auditor's WHERE clause never sees the rows
 * it leaves out.
 */
const TABLE_COMMENTS: [target: string, comment: string][] = [
  ['COLUMN api_key.id', 'the key id (also in the key and its display prefix)'],
  [
    'COLUMN api_key.kind',
    'operator (everything), tenant (one tenant) or service (the token API, scoped)',
  ],
  ['COLUMN api_key.name', 'what the key is for'],
  ['COLUMN api_key.tenant_id', 'tenant keys: the tenant (tenant.id)'],
  ['COLUMN api_key.created_by', 'who created it: the display prefix of the creating key, or cli'],
  ['COLUMN api_key.created_at', 'when the key was created'],
  [
    'COLUMN api_key.last_used_at',
    'last request made with the key (recorded in batches: it may lag a little)',
  ],
  ['COLUMN api_key.revoked_at', 'when the key was revoked; NULL while valid'],
  ['COLUMN quota_reset.id', 'sequence number'],
  ['COLUMN quota_reset.at', 'when the reset was asked for'],
  ['COLUMN quota_reset.component_appid', 'the component'],
  ['COLUMN quota_reset.api_key_id', 'the key (api_key.id) that asked'],
  ['COLUMN quota_reset.request_id', 'request id of the admin call (also in the logs)'],
  [
    'COLUMN quota_reset.outcome',
    'reset, refused, unknown (WeChat did not answer: it may have counted) or budget_refused (the monthly budget, before calling WeChat)',
  ],
  ['COLUMN secret_access_log.id', 'sequence number'],
  ['COLUMN secret_access_log.at', 'when the secret was handed out or used'],
  ['COLUMN secret_access_log.api_key_id', 'the key (api_key.id) that asked'],
  [
    'COLUMN secret_access_log.action',
    "access_token (handed out), jssdk_config (a signature), token_rejected (reported as rejected) or call (a call made on the account's behalf)",
  ],
  ['COLUMN secret_access_log.component_appid', 'the component'],
  ['COLUMN secret_access_log.authorizer_appid', 'the account whose token it was'],
  ['COLUMN secret_access_log.tenant_id', 'the tenant of the account at the time'],
  ['COLUMN secret_access_log.request_id', 'request id of the call (also in the logs)'],
  ['COLUMN tenant.id', 'tenant id: lower-case letters, digits, _ and -, at most 63'],
  ['COLUMN tenant.name', 'display name'],
  ['COLUMN tenant.created_at', 'when the tenant was created'],
  ['COLUMN tenant.updated_at', 'last change'],
  ['COLUMN webhook_delivery.id', 'delivery id (sent with the webhook)'],
  ['COLUMN webhook_delivery.endpoint_id', 'the endpoint (webhook_endpoint.id)'],
  ['COLUMN webhook_delivery.kind', 'message or event'],
  ['COLUMN webhook_delivery.authorizer_appid', 'the account concerned'],
  ['COLUMN webhook_delivery.msg_type', "the message's MsgType (lower case)"],
  ['COLUMN webhook_delivery.event', 'the Event of a MsgType event message (lower case)'],
  ['COLUMN webhook_delivery.info_type', 'the InfoType of an authorization event (lower case)'],
  ['COLUMN webhook_delivery.status', 'pending, delivering (leased), delivered or dead (gave up)'],
  ['COLUMN webhook_delivery.attempts', 'tries so far'],
  ['COLUMN webhook_delivery.next_attempt_at', 'not tried again before this'],
  ['COLUMN webhook_delivery.lease_owner', 'instance delivering it now'],
  ['COLUMN webhook_delivery.lease_until', 'the lease ends then (a crashed instance lets go)'],
  ['COLUMN webhook_delivery.last_attempt_at', 'when the last try ended'],
  ['COLUMN webhook_delivery.last_http_status', 'HTTP status of the last answer (NULL: no answer)'],
  ['COLUMN webhook_delivery.delivered_at', 'when the endpoint accepted it'],
  ['COLUMN webhook_delivery.created_at', 'when it was queued'],
  ['COLUMN webhook_delivery.updated_at', 'last change'],
  ['COLUMN webhook_endpoint.id', 'endpoint id'],
  ['COLUMN webhook_endpoint.tenant_id', 'the tenant (tenant.id)'],
  ['COLUMN webhook_endpoint.url', 'where deliveries are POSTed'],
  ['COLUMN webhook_endpoint.description', "the tenant's note"],
  ['COLUMN webhook_endpoint.enabled', 'false: nothing is queued for it'],
  ['COLUMN webhook_endpoint.secret_rotated_at', 'when the signing secret was last set'],
  ['COLUMN webhook_endpoint.created_at', 'when the endpoint was created'],
  ['COLUMN webhook_endpoint.updated_at', 'last change'],
  ['TABLE typeorm_migrations', 'migrations applied to this database, one row each (TypeORM)'],
  ['COLUMN typeorm_migrations.id', 'sequence number'],
  [
    'COLUMN typeorm_migrations.timestamp',
    "the migration's timestamp (unix ms, the number in its file and class name)",
  ],
  ['COLUMN typeorm_migrations.name', 'the migration class name'],
];

/** Each view, the table its same-named columns take their comments from, and its other comments. */
const VIEWS: {
  name: string;
  comment: string;
  base: string;
  sql: string;
  columns: Record<string, string>;
}[] = [
  {
    name: 'authorizer',
    comment:
      'authorized accounts as they are now: tenant, kind, status, permission sets, profile names, token health and last refresh attempt (no token)',
    base: 'authorizer',
    sql: `
      SELECT a.component_appid, a.authorizer_appid, a.tenant_id, t.name AS tenant_name,
             a.account_kind, a.status, a.func_info AS permission_set_ids,
             a.nick_name, a.user_name, a.alias, a.principal_name,
             a.service_type, a.verify_type, a.account_status,
             a.authorized_at, a.revoked_at, a.state_event_at, a.updated_at,
             a.profile_refreshed_at, a.profile_failure_count, a.profile_retry_at,
             tk.access_token_ciphertext IS NOT NULL AS has_access_token,
             tk.refresh_token_ciphertext IS NOT NULL AS has_refresh_token,
             tk.expires_at AS token_expires_at,
             tk.refreshed_at AS token_refreshed_at,
             tk.next_refresh_at,
             tk.failure_count AS refresh_failure_count,
             tk.last_errcode AS refresh_last_errcode,
             CASE WHEN tk.failure_count > 0 AND tk.next_refresh_at > now()
                  THEN tk.next_refresh_at END AS refresh_backoff_until,
             tk.lease_owner AS refresh_lease_owner,
             tk.lease_until AS refresh_lease_until,
             last.at AS last_refresh_at, last.result AS last_refresh_result,
             last.errcode AS last_refresh_errcode
        FROM public.authorizer a
        LEFT JOIN public.tenant t ON t.id = a.tenant_id
        LEFT JOIN public.authorizer_token tk
          ON tk.component_appid = a.component_appid AND tk.authorizer_appid = a.authorizer_appid
        LEFT JOIN LATERAL (
          SELECT l.at, l.result, l.errcode FROM public.authorizer_refresh_log l
           WHERE l.authorizer_appid = a.authorizer_appid AND l.component_appid = a.component_appid
           ORDER BY l.at DESC LIMIT 1) last ON true`,
    columns: {
      tenant_name: "the tenant's display name (tenant.name)",
      permission_set_ids:
        'permission set ids (funcscope_category.id) actually granted (authorizer.func_info)',
      has_access_token: 'whether an access token is stored (the token itself is not shown)',
      has_refresh_token: 'whether a refresh token is stored (the token itself is not shown)',
      token_expires_at: 'when the stored access token expires',
      token_refreshed_at: 'when the stored access token was issued (last successful refresh)',
      next_refresh_at:
        'planned refresh, or the next try after failures; NULL = not refreshed (revoked, needs re-authorization, detached)',
      refresh_failure_count: 'failed refreshes in a row; 0 after a success',
      refresh_last_errcode:
        "WeChat's errcode of the last failed refresh (45009: daily quota; NULL: no answer or no failure)",
      refresh_backoff_until:
        'refreshes are paused (45009) or backing off after failures until then; NULL = not backing off',
      refresh_lease_owner: 'instance refreshing the token now',
      refresh_lease_until: "that instance's lease ends then",
      last_refresh_at: 'the last refresh attempt (authorizer_refresh_log), successful or not',
      last_refresh_result: 'its result (ok, retry_later, quota, revoked, needs_reauth, error, ...)',
      last_refresh_errcode: 'its WeChat errcode, if WeChat refused',
    },
  },
  {
    name: 'authorizer_history',
    comment:
      'every change of an authorizer record: what changed, why, who, when (append-only, never pruned)',
    base: 'authorizer_history',
    sql: `
      SELECT id, component_appid, authorizer_appid, tenant_id, action, changes, cause, actor, at, note
        FROM public.authorizer_history`,
    columns: {},
  },
  {
    name: 'authorization_event',
    comment:
      "WeChat's authorization pushes (InfoType authorized, updateauthorized, unauthorized) as received, without their payload",
    base: 'wechat_event_log',
    sql: `
      SELECT id, component_appid, info_type, authorizer_appid, create_time, received_at,
             disposition, note
        FROM public.wechat_event_log
       WHERE info_type IN ('authorized', 'updateauthorized', 'unauthorized')`,
    columns: {},
  },
  {
    name: 'authorizer_refresh_log',
    comment: 'every refresh attempt of an authorizer access token (append-only)',
    base: 'authorizer_refresh_log',
    sql: `
      SELECT id, component_appid, authorizer_appid, instance, trigger, result, errcode,
             duration_ms, at
        FROM public.authorizer_refresh_log`,
    columns: {},
  },
  {
    name: 'secret_access_log',
    comment:
      'every secret the token API handed out or used: which key (name, kind, prefix), which account, when, what (append-only; never the secret)',
    base: 'secret_access_log',
    sql: `
      SELECT s.id, s.at, s.api_key_id, k.name AS api_key_name, k.kind AS api_key_kind,
             k.display_prefix AS api_key_prefix, s.action, s.component_appid,
             s.authorizer_appid, s.tenant_id, s.request_id
        FROM public.secret_access_log s
        LEFT JOIN public.api_key k ON k.id = s.api_key_id`,
    columns: {
      api_key_name: "the key's name (api_key.name)",
      api_key_kind: "the key's kind: operator, tenant or service",
      api_key_prefix: "the key's display prefix (wop_<kind>_<id>: no part of its secret)",
    },
  },
  {
    name: 'tenant',
    comment: 'tenants (customers of the SaaS)',
    base: 'tenant',
    sql: `
      SELECT id, name, return_url_prefixes, jssdk_domains, created_at, updated_at
        FROM public.tenant`,
    columns: {},
  },
  {
    name: 'api_key',
    comment: 'API keys of the admin and token APIs, without their hash',
    base: 'api_key',
    sql: `
      SELECT id, kind, name, tenant_id, display_prefix, scope_tenant_ids, scope_authorizer_appids,
             created_by, created_at, last_used_at, revoked_at
        FROM public.api_key`,
    columns: {},
  },
];

const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export class AuditSchema1796271671065 implements MigrationInterface {
  name = 'AuditSchema1796271671065';

  async up(q: QueryRunner): Promise<void> {
    for (const [target, comment] of TABLE_COMMENTS)
      await q.query(`COMMENT ON ${target} IS ${literal(comment)}`);

    await q.query('CREATE SCHEMA audit');
    await q.query(`COMMENT ON SCHEMA audit IS
      'read-only views for DBAs auditing authorizer records: no secret, ciphertext or hash; an auditor role gets SELECT on these and nothing else (cli auditor-role-sql)'`);
    for (const v of VIEWS) {
      const barrier = v.name === 'authorization_event' ? ' WITH (security_barrier)' : '';
      await q.query(`CREATE VIEW audit.${v.name}${barrier} AS ${v.sql}`);
      await q.query(`COMMENT ON VIEW audit.${v.name} IS ${literal(v.comment)}`);
      // A column passed through keeps its table's comment; the others get their own below.
      await q.query(`
        DO $$ DECLARE c record; BEGIN
          FOR c IN SELECT v.attname, col_description(b.attrelid, b.attnum) AS comment
                     FROM pg_attribute v
                     JOIN pg_attribute b ON b.attrelid = 'public.${v.base}'::regclass
                                        AND b.attname = v.attname AND b.attnum > 0
                    WHERE v.attrelid = 'audit.${v.name}'::regclass AND v.attnum > 0
          LOOP
            EXECUTE format('COMMENT ON COLUMN audit.%I.%I IS %L', '${v.name}', c.attname, c.comment);
          END LOOP;
        END $$`);
      for (const [column, comment] of Object.entries(v.columns))
        await q.query(`COMMENT ON COLUMN audit.${v.name}.${column} IS ${literal(comment)}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const v of [...VIEWS].reverse()) await q.query(`DROP VIEW audit.${v.name}`);
    await q.query('DROP SCHEMA audit');
    for (const [target] of TABLE_COMMENTS) await q.query(`COMMENT ON ${target} IS NULL`);
  }
}
