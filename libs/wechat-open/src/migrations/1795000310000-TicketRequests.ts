import { MigrationInterface, QueryRunner } from 'typeorm';

/** Hardening: asking WeChat for ticket pushes with backoff, and tickets WeChat refused. */
export class TicketRequests1795000310000 implements MigrationInterface {
  name = 'TicketRequests1795000310000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE component_verify_ticket
      ADD COLUMN ticket_digest text,
      ADD COLUMN rejected_at timestamptz,
      ADD COLUMN rejected_errcode integer,
      ADD COLUMN push_request_count integer NOT NULL DEFAULT 0,
      ADD COLUMN rejection_push_requested_at timestamptz,
      ADD CONSTRAINT component_verify_ticket_rejection
        CHECK ((rejected_at IS NULL) = (rejected_errcode IS NULL)
               AND (rejected_at IS NULL OR ticket_ciphertext IS NOT NULL)),
      ADD CONSTRAINT component_verify_ticket_push_request_count
        CHECK (push_request_count >= 0)`);
    await q.query(`COMMENT ON COLUMN component_verify_ticket.ticket_digest IS
      'SHA-256 (hex) of the ticket: tells WeChat''s retry of a push (same ticket) from a new ticket with the same CreateTime, without decrypting'`);
    await q.query(`COMMENT ON COLUMN component_verify_ticket.rejected_at IS
      'when api_component_token refused this ticket (61005/61006): it is never sent again; only another ticket clears it (a retry of the same push does not)'`);
    await q.query(`COMMENT ON COLUMN component_verify_ticket.push_request_count IS
      'api_start_push_ticket asks for a missing or stale ticket since the last new ticket: the pause before the next ask doubles with it'`);
    await q.query(`COMMENT ON COLUMN component_verify_ticket.rejection_push_requested_at IS
      'last ask for a push after a refused ticket; throttled apart from the asks for a missing or stale ticket'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE component_verify_ticket
      DROP CONSTRAINT component_verify_ticket_push_request_count,
      DROP CONSTRAINT component_verify_ticket_rejection,
      DROP COLUMN rejection_push_requested_at,
      DROP COLUMN push_request_count,
      DROP COLUMN rejected_errcode,
      DROP COLUMN rejected_at,
      DROP COLUMN ticket_digest`);
  }
}
