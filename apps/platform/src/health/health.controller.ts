import { Controller, Get, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { OpsAccessGuard } from './ops-access.guard.js';
import { ReadinessReport, ReadinessService } from './readiness.service.js';

/**
 * Liveness (the process answers) and readiness (see ReadinessService): 200 when ready, warnings
 * included; 503 naming the reasons when not. `/health` is readiness, as it always was.
 */
@Controller('health')
@UseGuards(OpsAccessGuard)
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(): Promise<ReadinessReport> {
    return this.report();
  }

  @Get()
  check(): Promise<ReadinessReport> {
    return this.report();
  }

  private async report(): Promise<ReadinessReport> {
    const report = await this.readiness.check();
    if (report.status === 'ok') return report;
    throw new ServiceUnavailableException({
      ...report,
      code: 'NOT_READY',
      message: `not ready: ${report.reasons.join('; ') || 'a check failed'}`,
    });
  }
}
