import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  ComponentRegistry,
  ComponentTokenService,
  infoTypeLabel,
  JobMonitor,
  VerifyTicketService,
  WechatApiClient,
  WechatOpenError,
  WechatOpenEvents,
} from '@app/wechat-open';

/**
 * The platform's Prometheus metrics. Every label value comes from a closed set (configured
 * component appids, known InfoTypes, our own error codes, our endpoints), never from what a
 * sender wrote: junk requests cannot create series. Never a token, ticket or code.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly events = new Counter({
    name: 'wechat_events_total',
    help: 'Pushes received on the event URL, by component, InfoType and outcome (applied, ignored or the error code)',
    labelNames: ['component', 'info_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jobsFailed = new Counter({
    name: 'wechat_jobs_failed_total',
    help: 'Durable jobs that failed for good (their rows keep the last error), by job kind',
    labelNames: ['kind'] as const,
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

  readonly messages = new Counter({
    name: 'wechat_messages_total',
    help: 'Messages received on the message URL, by component, MsgType and result (replied, handled, timed_out, duplicate, robot, unknown_component, unknown_account, inactive_account, or the error code)',
    labelNames: ['component', 'msg_type', 'result'] as const,
    registers: [this.registry],
  });

  /**
   * Counts a message on the message URL: `result` is what became of it, or the error that
   * refused it. MsgTypes WeChat does not document are counted as `other`.
   */
  countMessage(componentAppid: string, msgType: string | null, result: unknown): void {
    const type = msgType?.toLowerCase() ?? 'none';
    this.messages.inc({
      component: this.components.has(componentAppid) ? componentAppid : 'unknown',
      msg_type: type === 'none' || MESSAGE_TYPES.has(type) ? type : 'other',
      result: typeof result === 'string' ? result : errorLabel(result),
    });
  }

  /**
   * Counts a push on the event URL: `outcome` is the disposition (applied / ignored) or the
   * error that refused it. An appid we are not configured for is counted as `unknown`.
   */
  countPush(componentAppid: string, infoType: string | undefined, outcome: unknown): void {
    this.events.inc({
      component: this.components.has(componentAppid) ? componentAppid : 'unknown',
      info_type: infoTypeLabel(infoType),
      outcome: typeof outcome === 'string' ? outcome : errorLabel(outcome),
    });
  }

  constructor(
    private readonly components: ComponentRegistry,
    tickets: VerifyTicketService,
    tokens: ComponentTokenService,
    api: WechatApiClient,
    events: WechatOpenEvents,
    jobs: JobMonitor,
  ) {
    collectDefaultMetrics({ register: this.registry });
    // A stored job of a kind no handler knows (left by another version) must not add a series.
    events.on('job_failed', ({ kind }) =>
      this.jobsFailed.inc({ kind: jobs.isKnownKind(kind) ? kind : 'unknown' }),
    );
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

/** The MsgTypes WeChat documents for the message URL (a closed set of labels). */
const MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'text',
  'image',
  'voice',
  'video',
  'shortvideo',
  'location',
  'link',
  'event',
  'miniprogrampage',
  'file',
  'music',
  'news',
]);

/** An error as a label: our stable codes (WeChat's errcodes folded into one), else INTERNAL. */
export function errorLabel(error: unknown): string {
  if (!(error instanceof WechatOpenError)) return 'INTERNAL';
  if (error.code.startsWith('WECHAT_')) return 'WECHAT_ERROR';
  return /^[A-Z][A-Z0-9_]{0,47}$/.test(error.code) ? error.code : 'INTERNAL';
}
