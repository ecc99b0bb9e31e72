import { Module } from '@nestjs/common';
import { RetentionCron } from './retention.cron.js';
import { RetentionRepository } from './retention.repository.js';
import { RetentionService } from './retention.service.js';

/**
 * Retention of the logs and the job queue (RETENTION_* variables): a scheduled job deleting old
 * rows in batches through the database's prune_retention_batch() function. Webhook deliveries and
 * message deduplication claims have their own prunes (forwarding, the library).
 */
@Module({
  providers: [RetentionRepository, RetentionService, RetentionCron],
  exports: [RetentionService],
})
export class RetentionModule {}
