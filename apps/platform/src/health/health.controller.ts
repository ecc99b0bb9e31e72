import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import {
  ComponentRegistry,
  ComponentTokenService,
  JobMonitor,
  VerifyTicketService,
} from '@app/wechat-open';

/**
 * Liveness and readiness: the database, and each component's ticket age and token. Jobs that
 * failed for good are shown, not judged: they need a person, and restarting or draining this
 * instance would not help them.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    private readonly registry: ComponentRegistry,
    private readonly tickets: VerifyTicketService,
    private readonly tokens: ComponentTokenService,
    private readonly jobs: JobMonitor,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.db.pingCheck('database'),
      ...this.registry.appids().map((appid) => async () => {
        const check = this.indicator.check(`component:${appid}`);
        const [ticket, token] = await Promise.all([
          this.tickets.status(appid),
          this.tokens.status(appid),
        ]);
        const details = {
          ticketAgeSec: ticket.ageSec,
          ticketStale: ticket.stale,
          tokenPresent: token.present,
          tokenExpiresAt: token.expiresAt?.toISOString() ?? null,
        };
        return ticket.present && token.present ? check.up(details) : check.down(details);
      }),
      async () => {
        // Unknown while the database is down: the database check already says so.
        const failed = await this.jobs.countFailed().catch(() => null);
        return this.indicator.check('jobs').up({ failed });
      },
    ]);
  }
}
