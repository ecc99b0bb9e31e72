import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Finished deliveries (delivered or dead) are deleted after WEBHOOK_RETENTION_DAYS: their bodies
 * hold decrypted user content, kept no longer than the log is useful. This index keeps the prune
 * from scanning the whole queue.
 */
export class WebhookDeliveryRetention1796272550497 implements MigrationInterface {
  name = 'WebhookDeliveryRetention1796272550497';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX webhook_delivery_finished ON webhook_delivery (updated_at) WHERE status IN ('delivered', 'dead')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX webhook_delivery_finished');
  }
}
