import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A comment on every table and column of the library's schema, so `\d+` explains it to a DBA
 * (earlier migrations commented only the less obvious columns). The entities carry the same
 * comments (they are the schema's truth; TypeORM's diff compares them). down() clears exactly
 * these: none of them had a comment before.
 */
const COMMENTS: [target: string, comment: string][] = [
  [
    'COLUMN authorization_code.code_hash',
    'SHA-256 (hex) of the auth_code WeChat sent; the code itself is never stored',
  ],
  [
    'COLUMN authorization_code.component_appid',
    'the component (third-party platform) the code was issued to',
  ],
  [
    'COLUMN authorization_code.pre_auth_code_hash',
    'SHA-256 (hex) of the pre_auth_code the authorization started from, when known',
  ],
  ['COLUMN authorization_code.status', 'redeeming (leased), redeemed or failed'],
  [
    'COLUMN authorization_code.lease_until',
    'while redeeming: another caller waits until then before taking the code over',
  ],
  [
    'COLUMN authorization_code.authorizer_appid',
    'the account the code authorized, once api_query_auth answered',
  ],
  ['COLUMN authorization_code.outcome', 'how the redemption ended: ok, or the error code'],
  [
    'COLUMN authorization_code.created_at',
    'first sight of the code (the push or the landing redirect)',
  ],
  ['COLUMN authorization_code.finished_at', 'when the redemption ended (redeemed or failed)'],
  [
    'TABLE authorizer',
    'one row per component and authorized account (official account or mini program): tenant, status, profile, permission sets',
  ],
  [
    'COLUMN authorizer.component_appid',
    'the component (third-party platform) the account authorized',
  ],
  [
    'COLUMN authorizer.authorizer_appid',
    'the authorized account (official account or mini program)',
  ],
  [
    'COLUMN authorizer.tenant_id',
    'the tenant (tenant.id) the account belongs to; NULL until bound',
  ],
  [
    'COLUMN authorizer.status',
    'authorized, revoked, needs_reauth (the refresh token stopped working) or detached (forgotten by an operator)',
  ],
  [
    'COLUMN authorizer.account_kind',
    'official_account or mini_program; NULL until the profile is fetched',
  ],
  ['COLUMN authorizer.nick_name', "the account's display name (api_get_authorizer_info)"],
  ['COLUMN authorizer.user_name', "the account's original id (gh_...)"],
  ['COLUMN authorizer.alias', "the account's WeChat id, if it set one"],
  ['COLUMN authorizer.principal_name', 'the company or person behind the account'],
  ['COLUMN authorizer.signature', "the account's description (mini programs)"],
  [
    'COLUMN authorizer.service_type',
    "WeChat's service_type_info.id (official accounts: 0 subscription, 1 upgraded, 2 service)",
  ],
  [
    'COLUMN authorizer.verify_type',
    "WeChat's verify_type_info.id (-1 unverified, 0 WeChat-verified, ...)",
  ],
  [
    'COLUMN authorizer.account_status',
    "WeChat's account_status (1 normal, 14 deregistered, 16 banned, ...)",
  ],
  ['COLUMN authorizer.head_img', "URL of the account's avatar"],
  ['COLUMN authorizer.qrcode_url', "URL of the account's QR code"],
  ['COLUMN authorizer.authorized_at', 'when the account (last) authorized the component'],
  ['COLUMN authorizer.updated_at', 'last change of this row'],
  [
    'COLUMN authorizer.revoked_at',
    'when the account withdrew its authorization (unauthorized push); NULL while authorized',
  ],
  [
    'COLUMN authorizer.profile_refreshed_at',
    'last successful profile fetch (api_get_authorizer_info)',
  ],
  [
    'TABLE authorizer_history',
    'append-only: every change of an authorizer record (what changed, why, who, when); never pruned',
  ],
  ['COLUMN authorizer_history.id', 'sequence number'],
  ['COLUMN authorizer_history.component_appid', 'the component'],
  ['COLUMN authorizer_history.authorizer_appid', 'the account'],
  ['COLUMN authorizer_history.tenant_id', 'the tenant of the account at the time'],
  [
    'COLUMN authorizer_history.action',
    'authorized, reauthorized, updated, revoked, needs_reauth, tenant_bound, detached, discovered, recovered, push_ignored, ...',
  ],
  [
    'COLUMN authorizer_history.changes',
    'the fields that changed: {"field": {"from": ..., "to": ...}} (never a token)',
  ],
  [
    'COLUMN authorizer_history.cause',
    'what caused it: push:authorized, push:updateauthorized, push:unauthorized, landing, sync, refresh, admin, ...',
  ],
  ['COLUMN authorizer_history.actor', 'the instance that made the change'],
  ['COLUMN authorizer_history.at', 'when'],
  [
    'TABLE authorizer_refresh_log',
    'append-only: every refresh attempt of an authorizer access token (the token itself is never logged)',
  ],
  ['COLUMN authorizer_refresh_log.id', 'sequence number'],
  ['COLUMN authorizer_refresh_log.component_appid', 'the component'],
  ['COLUMN authorizer_refresh_log.authorizer_appid', 'the account'],
  ['COLUMN authorizer_refresh_log.instance', 'the instance that tried'],
  [
    'COLUMN authorizer_refresh_log.trigger',
    'schedule (the sweep), demand (a caller found it due), invalid (WeChat said 40001/42001), redeem or sync',
  ],
  [
    'COLUMN authorizer_refresh_log.result',
    'ok, stale (lost the race), retry_later, quota (45009), revoked, needs_reauth, error, ...',
  ],
  [
    'COLUMN authorizer_refresh_log.errcode',
    "WeChat's errcode when it refused (NULL: success or no answer)",
  ],
  ['COLUMN authorizer_refresh_log.duration_ms', 'time the attempt took, in milliseconds'],
  ['COLUMN authorizer_refresh_log.at', 'when the attempt ended'],
  [
    'TABLE authorizer_token',
    "the tokens of an authorized account, sealed, with the refresh plan and the refreshing instance's lease",
  ],
  ['COLUMN authorizer_token.component_appid', 'the component (authorizer.component_appid)'],
  ['COLUMN authorizer_token.authorizer_appid', 'the account (authorizer.authorizer_appid)'],
  [
    'COLUMN authorizer_token.access_token_ciphertext',
    'authorizer_access_token, SecretBox-sealed (v1:<kid>:<iv>:<ciphertext>)',
  ],
  [
    'COLUMN authorizer_token.refresh_token_ciphertext',
    'authorizer_refresh_token, SecretBox-sealed (v1:<kid>:<iv>:<ciphertext>)',
  ],
  ['COLUMN authorizer_token.expires_at', 'when the stored access token expires'],
  [
    'COLUMN authorizer_token.refreshed_at',
    'when the stored access token was issued (its last successful refresh)',
  ],
  ['COLUMN authorizer_token.lease_owner', 'instance refreshing the token now; others wait for it'],
  ['COLUMN authorizer_token.lease_until', 'the lease ends then (a crashed instance lets go)'],
  [
    'COLUMN authorizer_token.failure_count',
    'failed refreshes in a row; with next_refresh_at in the future: paused (45009) or backing off',
  ],
  [
    'COLUMN authorizer_token.last_errcode',
    "WeChat's errcode of the last failed refresh (NULL: no answer, or no failure)",
  ],
  [
    'COLUMN authorizer_token.version',
    'bumped on every write of the token: compare-and-swap, so a stale write is dropped',
  ],
  [
    'TABLE component_token',
    'the component_access_token of each component (one row per component), sealed, with the lease of the instance minting the next',
  ],
  ['COLUMN component_token.component_appid', 'the component (third-party platform) appid'],
  [
    'COLUMN component_token.token_ciphertext',
    'component_access_token, SecretBox-sealed (v1:<kid>:<iv>:<ciphertext>)',
  ],
  ['COLUMN component_token.expires_at', 'when the stored token expires'],
  ['COLUMN component_token.refreshed_at', 'when the stored token was minted'],
  ['COLUMN component_token.refreshed_by', 'the instance that minted it'],
  ['COLUMN component_token.lease_until', 'the lease ends then (a crashed instance lets go)'],
  [
    'TABLE component_verify_ticket',
    'the newest component_verify_ticket WeChat pushed for each component (one row per component), sealed',
  ],
  ['COLUMN component_verify_ticket.component_appid', 'the component (third-party platform) appid'],
  [
    'COLUMN component_verify_ticket.ticket_ciphertext',
    'component_verify_ticket, SecretBox-sealed (v1:<kid>:<iv>:<ciphertext>)',
  ],
  ['COLUMN component_verify_ticket.received_at', 'when the push carrying the ticket arrived'],
  [
    'COLUMN component_verify_ticket.push_requested_at',
    'last time this service asked WeChat to push a ticket (api_start_push_ticket)',
  ],
  [
    'COLUMN component_verify_ticket.rejected_errcode',
    '61005 (expired) or 61006 (invalid), with rejected_at',
  ],
  [
    'TABLE jsapi_ticket',
    'JS-SDK tickets of authorized accounts (jsapi for wx.config, wx_card for card signatures), sealed, with the fetching lease',
  ],
  ['COLUMN jsapi_ticket.component_appid', 'the component'],
  ['COLUMN jsapi_ticket.authorizer_appid', 'the account'],
  ['COLUMN jsapi_ticket.ticket_type', 'jsapi or wx_card'],
  [
    'COLUMN jsapi_ticket.ticket_ciphertext',
    'the ticket, SecretBox-sealed (v1:<kid>:<iv>:<ciphertext>)',
  ],
  ['COLUMN jsapi_ticket.expires_at', 'when the stored ticket expires'],
  ['COLUMN jsapi_ticket.refreshed_at', 'when the stored ticket was fetched'],
  ['COLUMN jsapi_ticket.lease_owner', 'instance fetching the ticket now; others wait for it'],
  ['COLUMN jsapi_ticket.lease_until', 'the lease ends then (a crashed instance lets go)'],
  ['COLUMN jsapi_ticket.version', 'bumped on every new ticket: compare-and-swap'],
  ['COLUMN jsapi_ticket.failure_count', 'failed getticket calls in a row; 0 after a success'],
  [
    'COLUMN jsapi_ticket.last_errcode',
    "WeChat's errcode of the last failure (45009: the account's daily quota)",
  ],
  [
    'TABLE pre_auth_session',
    'single-use authorization sessions (entry links) of tenants: binds the account that authorizes to the tenant',
  ],
  ['COLUMN pre_auth_session.id', 'random session id (in the entry link)'],
  ['COLUMN pre_auth_session.component_appid', 'the component the account is asked to authorize'],
  ['COLUMN pre_auth_session.tenant_id', 'the tenant the account will belong to'],
  ['COLUMN pre_auth_session.link_kind', 'pc (QR code page) or mobile (link opened in WeChat)'],
  [
    'COLUMN pre_auth_session.auth_type',
    'WeChat auth_type: 1 official accounts, 2 mini programs, 3 both, ...',
  ],
  [
    'COLUMN pre_auth_session.biz_appid',
    'only this account may authorize (WeChat biz_appid), if set',
  ],
  [
    'COLUMN pre_auth_session.category_id_list',
    'permission set ids offered (WeChat category_id_list); NULL: all',
  ],
  ['COLUMN pre_auth_session.return_url', 'where the user is sent after authorizing'],
  [
    'COLUMN pre_auth_session.pre_auth_code_hash',
    'SHA-256 (hex) of the pre_auth_code, once the link was opened; the code itself is never stored',
  ],
  ['COLUMN pre_auth_session.created_at', 'when the session was created'],
  ['COLUMN pre_auth_session.expires_at', 'the session is refused after this'],
  ['COLUMN pre_auth_session.opened_at', 'when the entry link was first opened'],
  ['COLUMN pre_auth_session.consumed_at', 'when an authorization used the session (single use)'],
  ['COLUMN pre_auth_session.authorizer_appid', 'the account that authorized through it'],
  ['COLUMN pre_auth_session.outcome', 'ok, or why the binding was refused (TENANT_CONFLICT)'],
  [
    'TABLE wechat_event_log',
    'append-only: every valid push to the authorization-event URL (component_verify_ticket, authorized, updateauthorized, unauthorized, ...), decrypted, secrets redacted',
  ],
  ['COLUMN wechat_event_log.id', 'sequence number'],
  ['COLUMN wechat_event_log.component_appid', 'the component the push was for'],
  [
    'COLUMN wechat_event_log.info_type',
    "WeChat's InfoType (component_verify_ticket, authorized, updateauthorized, unauthorized, ...)",
  ],
  ['COLUMN wechat_event_log.authorizer_appid', 'the account concerned, for authorization events'],
  ['COLUMN wechat_event_log.create_time', "WeChat's CreateTime of the push"],
  ['COLUMN wechat_event_log.dedupe_key', "identifies the push: WeChat's retries are stored once"],
  ['COLUMN wechat_event_log.received_at', 'when the push arrived'],
  ['COLUMN wechat_event_log.disposition', 'applied, or ignored (see note)'],
  [
    'TABLE wechat_job',
    'follow-up work recorded before WeChat got its answer (durable queue), retried with backoff until done or failed',
  ],
  ['COLUMN wechat_job.id', 'sequence number'],
  ['COLUMN wechat_job.kind', 'what to do (the handler name)'],
  ['COLUMN wechat_job.component_appid', 'the component the job is for'],
  ['COLUMN wechat_job.dedupe_key', 'identifies the job: the same work is queued once'],
  [
    'COLUMN wechat_job.payload_ciphertext',
    "the job's input, SecretBox-sealed (it may hold codes or decrypted content)",
  ],
  ['COLUMN wechat_job.status', 'pending, done or failed (gave up; replayable)'],
  ['COLUMN wechat_job.attempts', 'tries so far'],
  ['COLUMN wechat_job.next_attempt_at', 'not tried again before this'],
  ['COLUMN wechat_job.lease_owner', 'instance running the job now'],
  ['COLUMN wechat_job.lease_until', 'the lease ends then (a crashed instance lets go)'],
  ['COLUMN wechat_job.last_error', 'why the last try failed (never a secret)'],
  ['COLUMN wechat_job.created_at', 'when the job was queued'],
  ['COLUMN wechat_job.finished_at', 'when it was done or failed'],
  [
    'TABLE wechat_message_dedupe',
    'messages of authorized accounts an instance has claimed (WeChat retries a message up to 3 times: the first claim runs the handlers); pruned after a day',
  ],
  ['COLUMN wechat_message_dedupe.component_appid', 'the component'],
  ['COLUMN wechat_message_dedupe.authorizer_appid', 'the account that received the message'],
  ['COLUMN wechat_message_dedupe.claimed_at', 'when an instance claimed the message'],
];

const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export class SchemaComments1796271668101 implements MigrationInterface {
  name = 'SchemaComments1796271668101';

  async up(q: QueryRunner): Promise<void> {
    for (const [target, comment] of COMMENTS)
      await q.query(`COMMENT ON ${target} IS ${literal(comment)}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [target] of COMMENTS) await q.query(`COMMENT ON ${target} IS NULL`);
  }
}
