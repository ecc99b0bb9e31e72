import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * JS-SDK tickets (jsapi_ticket and the wx_card api_ticket) of every authorized account, stored
 * encrypted, with the lease of whoever is fetching the next one and the last time one was used
 * (tickets nobody asks for are left to lapse: the getticket quota is small).
 */
export class JsApiTickets1795000200000 implements MigrationInterface {
  name = 'JsApiTickets1795000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jsapi_ticket (
        component_appid   text NOT NULL,
        authorizer_appid  text NOT NULL,
        ticket_type       text NOT NULL CHECK (ticket_type IN ('jsapi', 'wx_card')),
        ticket_ciphertext text,
        expires_at        timestamptz,
        refreshed_at      timestamptz,
        last_used_at      timestamptz,
        lease_owner       text,
        lease_until       timestamptz,
        version           bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (component_appid, authorizer_appid, ticket_type),
        FOREIGN KEY (component_appid, authorizer_appid)
          REFERENCES authorizer (component_appid, authorizer_appid) ON DELETE CASCADE
      )`);
    // The keep-warm sweep looks for tickets close to expiry: the cost follows the number due.
    await q.query(`CREATE INDEX jsapi_ticket_keep_warm ON jsapi_ticket (expires_at, last_used_at)
      WHERE ticket_ciphertext IS NOT NULL`);
    await q.query(`COMMENT ON COLUMN jsapi_ticket.last_used_at IS
      'last time the ticket was handed out (written at most about once a minute); tickets unused for keepWarmSec are not refreshed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE jsapi_ticket');
  }
}
