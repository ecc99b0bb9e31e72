import { MigrationInterface, QueryRunner } from 'typeorm';

/** Which host handlers (@OnComponentEvent) each stored push has been dispatched to. */
export class EventDispatch1795000375000 implements MigrationInterface {
  name = 'EventDispatch1795000375000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE wechat_event_dispatch (
      event_id bigint NOT NULL,
      handler text NOT NULL,
      critical boolean NOT NULL,
      dispatched_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT wechat_event_dispatch_pkey PRIMARY KEY (event_id, handler)
    )`);
    await q.query(`COMMENT ON COLUMN wechat_event_dispatch.event_id IS
      'wechat_event_log.id (append-only: never deleted, so no foreign key to lock it)'`);
    await q.query(`COMMENT ON COLUMN wechat_event_dispatch.handler IS
      'the host method, Class.method: a critical one''s row commits with its run (it succeeded); another''s is claimed before it starts (at most once)'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE wechat_event_dispatch`);
  }
}
