import { Module } from '@nestjs/common';
import { InsightsController } from './insights.controller.js';
import { InsightsRepository } from './insights.repository.js';
import { InsightsService } from './insights.service.js';
import { JobsController } from './jobs.controller.js';
import { PushesController } from './pushes.controller.js';

/**
 * The admin API the web console needs beyond the dashboard's: hourly numbers (/v1/insights),
 * stored pushes (/v1/pushes) and the job queue (/v1/jobs). Read-only over the library's tables
 * but for a job's retry, which goes through the library's JobMonitor.
 */
@Module({
  controllers: [InsightsController, PushesController, JobsController],
  providers: [InsightsRepository, InsightsService],
})
export class InsightsModule {}
