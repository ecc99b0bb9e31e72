import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { OpsAccessGuard } from './ops-access.guard.js';
import { OpsServer } from './ops-server.js';
import { ReadinessService } from './readiness.service.js';

/**
 * /health/live, /health/ready (and /health), and the ops listener (OPS_PORT). Needs
 * WechatOpenModule, TypeORM and the platform configuration (global in the platform). Exports
 * the guard the metrics controller shares and the ops listener (its URL, for tests).
 */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [ReadinessService, OpsAccessGuard, OpsServer],
  exports: [OpsAccessGuard, OpsServer],
})
export class HealthModule {}
