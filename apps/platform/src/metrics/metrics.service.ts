import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  ComponentRegistry,
  ComponentTokenService,
  VerifyTicketService,
  WechatApiClient,
} from '@app/wechat-open';

/**
 * The platform's Prometheus metrics. Labels are appids, endpoints, InfoTypes and result codes,
 * never a token, ticket or code.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly events = new Counter({
    name: 'wechat_events_total',
    help: 'Pushes received on the event URL, by component, InfoType and outcome (ok or error code)',
    labelNames: ['component', 'info_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly apiCalls = new Counter({
    name: 'wechat_api_calls_total',
    help: 'Calls to WeChat by endpoint and result (ok, errcode, or unavailable)',
    labelNames: ['endpoint', 'result'] as const,
    registers: [this.registry],
  });

  readonly apiDuration = new Histogram({
    name: 'wechat_api_call_duration_seconds',
    help: 'Duration of calls to WeChat (each attempt)',
    labelNames: ['endpoint'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(
    components: ComponentRegistry,
    tickets: VerifyTicketService,
    tokens: ComponentTokenService,
    api: WechatApiClient,
  ) {
    collectDefaultMetrics({ register: this.registry });
    api.observe((endpoint, result, seconds) => {
      this.apiCalls.inc({ endpoint, result });
      this.apiDuration.observe({ endpoint }, seconds);
    });
    new Gauge({
      name: 'wechat_component_ticket_age_seconds',
      help: 'Age of the newest component_verify_ticket (-1 when none has arrived)',
      labelNames: ['component'] as const,
      registers: [this.registry],
      async collect() {
        for (const appid of components.appids()) {
          this.set({ component: appid }, (await tickets.status(appid)).ageSec ?? -1);
        }
      },
    });
    new Gauge({
      name: 'wechat_component_token_expires_in_seconds',
      help: 'Seconds until the stored component_access_token expires (-1 when none)',
      labelNames: ['component'] as const,
      registers: [this.registry],
      async collect() {
        for (const appid of components.appids()) {
          const { expiresAt } = await tokens.status(appid);
          this.set(
            { component: appid },
            expiresAt ? Math.round((expiresAt.getTime() - Date.now()) / 1000) : -1,
          );
        }
      },
    });
  }
}
