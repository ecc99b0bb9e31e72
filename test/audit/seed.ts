import type { Client } from 'pg';

/** Values that must never come out of the audit views: every secret, ciphertext and hash seeded. */
export const SECRETS = {
  accessToken: 'v1:k1:iv:SEALED-ACCESS-TOKEN',
  refreshToken: 'v1:k1:iv:SEALED-REFRESH-TOKEN',
  componentToken: 'v1:k1:iv:SEALED-COMPONENT-TOKEN',
  ticket: 'v1:k1:iv:SEALED-VERIFY-TICKET',
  jsapiTicket: 'v1:k1:iv:SEALED-JSAPI-TICKET',
  jobPayload: 'v1:k1:iv:SEALED-JOB-PAYLOAD',
  codeHash: 'c0dehash0c0dehash0c0dehash0c0dehash0',
  preAuthCodeHash: 'ba5eba11ba5eba11ba5eba11ba5eba11',
  keySecretHash: 'deadbeefcafef00ddeadbeefcafef00d',
  payloadMarker: 'PAYLOAD-ONLY-MARKER',
};

export const COMPONENT = 'wxcomponent0000001';
export const ACCOUNT = 'wxauthorizer000001';
export const TENANT = 'acme';
export const KEY_ID = '6a0c1e1e-3c3a-4c47-9a63-7a0f0c0ffee0';

/** One row in each table the audit views read (and the secret-holding tables next to them). */
export async function seedAuditedTables(c: Client): Promise<void> {
  await c.query(`INSERT INTO tenant (id, name) VALUES ($1, 'Acme')`, [TENANT]);
  await c.query(
    `INSERT INTO api_key (id, kind, name, tenant_id, display_prefix, secret_hash, created_by)
     VALUES ($1, 'service', 'token reader', NULL, 'wop_sv_agwe', decode($2, 'hex'), 'cli')`,
    [KEY_ID, SECRETS.keySecretHash],
  );
  await c.query(
    `INSERT INTO authorizer (component_appid, authorizer_appid, tenant_id, status, account_kind,
                             nick_name, func_info, authorized_at, updated_at)
     VALUES ($1, $2, $3, 'authorized', 'official_account', 'Acme News', '{1,15}', now(), now())`,
    [COMPONENT, ACCOUNT, TENANT],
  );
  await c.query(
    `INSERT INTO authorizer_token (component_appid, authorizer_appid, access_token_ciphertext,
                                   refresh_token_ciphertext, expires_at, next_refresh_at,
                                   refreshed_at, failure_count, last_errcode)
     VALUES ($1, $2, $3, $4, now() + interval '2 hours', now() + interval '10 minutes',
             now() - interval '5 minutes', 2, 45009)`,
    [COMPONENT, ACCOUNT, SECRETS.accessToken, SECRETS.refreshToken],
  );
  await c.query(
    `INSERT INTO authorizer_history (component_appid, authorizer_appid, tenant_id, action, changes,
                                     cause, actor)
     VALUES ($1, $2, $3, 'authorized', '{"status": {"from": null, "to": "authorized"}}',
             'push:authorized', 'instance-1')`,
    [COMPONENT, ACCOUNT, TENANT],
  );
  await c.query(
    `INSERT INTO authorizer_refresh_log (component_appid, authorizer_appid, instance, trigger,
                                         result, errcode, duration_ms)
     VALUES ($1, $2, 'instance-1', 'schedule', 'quota', 45009, 120)`,
    [COMPONENT, ACCOUNT],
  );
  for (const [infoType, appid] of [
    ['authorized', ACCOUNT],
    ['component_verify_ticket', null],
  ])
    await c.query(
      `INSERT INTO wechat_event_log (component_appid, info_type, authorizer_appid, create_time,
                                     dedupe_key, payload)
       VALUES ($1, $2, $3, now(), $4, $5)`,
      [
        COMPONENT,
        infoType,
        appid,
        `dedupe-${infoType}`,
        JSON.stringify({ InfoType: infoType, Marker: SECRETS.payloadMarker }),
      ],
    );
  await c.query(
    `INSERT INTO secret_access_log (api_key_id, action, component_appid, authorizer_appid,
                                    tenant_id, request_id)
     VALUES ($1, 'access_token', $2, $3, $4, 'req-1')`,
    [KEY_ID, COMPONENT, ACCOUNT, TENANT],
  );
  await c.query(
    `INSERT INTO component_token (component_appid, token_ciphertext, expires_at)
     VALUES ($1, $2, now() + interval '1 hour')`,
    [COMPONENT, SECRETS.componentToken],
  );
  await c.query(
    `INSERT INTO component_verify_ticket (component_appid, ticket_ciphertext, create_time)
     VALUES ($1, $2, now())`,
    [COMPONENT, SECRETS.ticket],
  );
  await c.query(
    `INSERT INTO jsapi_ticket (component_appid, authorizer_appid, ticket_type, ticket_ciphertext)
     VALUES ($1, $2, 'jsapi', $3)`,
    [COMPONENT, ACCOUNT, SECRETS.jsapiTicket],
  );
  await c.query(
    `INSERT INTO wechat_job (kind, component_appid, dedupe_key, payload_ciphertext)
     VALUES ('redeem', $1, 'job-1', $2)`,
    [COMPONENT, SECRETS.jobPayload],
  );
  await c.query(
    `INSERT INTO authorization_code (code_hash, component_appid, pre_auth_code_hash, status,
                                     lease_until, created_at)
     VALUES ($1, $2, $3, 'redeemed', now(), now())`,
    [SECRETS.codeHash, COMPONENT, SECRETS.preAuthCodeHash],
  );
}
