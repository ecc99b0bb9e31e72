import { Global, Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsRepository } from './metrics.repository.js';
import { MetricsService } from './metrics.service.js';

/**
 * /metrics and the MetricsService every area counts through (global: forwarding, the WeChat
 * controllers and host modules inject it without importing). Needs WechatOpenModule, TypeORM
 * and the platform configuration.
 */
@Global()
@Module({
  imports: [HealthModule],
  controllers: [MetricsController],
  providers: [MetricsService, MetricsRepository],
  exports: [MetricsService],
})
export class MetricsModule {}
