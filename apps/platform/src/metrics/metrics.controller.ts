import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { OpsAccessGuard } from '../health/ops-access.guard.js';
import { MetricsService } from './metrics.service.js';

@Controller('metrics')
@UseGuards(OpsAccessGuard)
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus text format. */
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
