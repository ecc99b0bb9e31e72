import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  AuthorizerEvents,
  AuthorizerTokenService,
  Clock,
  ComponentRegistry,
  infoTypeLabel,
  JobMonitor,
  WechatApiClient,
  WechatOpenError,
  WechatOpenEvents,
} from '@app/wechat-open';
import { AuthorizerCensusRow, MetricsRepository } from './metrics.repository.js';

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
    help: 'Calls to WeChat (each attempt) by endpoint and result (ok, a known errcode or other, or unavailable)',
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

  readonly refreshes = new Counter({
    name: 'wechat_authorizer_refreshes_total',
    help: 'Refreshes through api_authorizer_token by component, trigger (schedule, demand, invalid, redeem, sync) and result (ok, stale, revoked, needs_reauth, quota, retry_later)',
    labelNames: ['component', 'trigger', 'result'] as const,
    registers: [this.registry],
  });

  readonly deliveries = new Counter({
    name: 'wechat_webhook_deliveries_total',
    help: "Attempts to deliver to tenants' webhooks by result: delivered, failed (retried later) or dead (no attempt left)",
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly logger = new Logger('MetricsService');
  private readonly endpoints = new Set<string>();

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
    api: WechatApiClient,
    events: WechatOpenEvents,
    jobs: JobMonitor,
    authorizerEvents: AuthorizerEvents,
    authorizerTokens: AuthorizerTokenService,
    private readonly repo: MetricsRepository,
    private readonly clock: Clock,
  ) {
    collectDefaultMetrics({ register: this.registry });
    // A stored job of a kind no handler knows (left by another version) must not add a series.
    events.on('job_failed', ({ kind }) =>
      this.jobsFailed.inc({ kind: jobs.isKnownKind(kind) ? kind : 'unknown' }),
    );
    api.observe((name, result, seconds) => {
      const endpoint = this.endpointLabel(name);
      this.apiCalls.inc({ endpoint, result: resultLabel(result) });
      this.apiDuration.observe({ endpoint }, seconds);
    });
    authorizerEvents.on('refreshed', ({ componentAppid, trigger, result }) =>
      this.refreshes.inc({ component: this.componentLabel(componentAppid), trigger, result }),
    );
    this.registerGauges(authorizerTokens);
  }

  /** Counts a delivery attempt to a tenant's webhook by what became of it. */
  countDelivery(result: 'delivered' | 'failed' | 'dead'): void {
    this.deliveries.inc({ result });
  }

  private componentLabel(appid: string): string {
    return this.components.has(appid) ? appid : 'unknown';
  }

  /**
   * Endpoint names come from the library's and hosts' code paths, not from senders; still, the
   * set is capped so that no caller can grow it without bound.
   */
  private endpointLabel(name: string): string {
    if (this.endpoints.has(name)) return name;
    if (this.endpoints.size >= MAX_ENDPOINTS || !/^[a-z0-9_]{1,64}$/.test(name)) return 'other';
    this.endpoints.add(name);
    return name;
  }

  /**
   * Gauges read at scrape time, one bounded query each; a failed query leaves its gauges out
   * of this scrape (logged at debug) and never fails /metrics.
   */
  private registerGauges(authorizerTokens: AuthorizerTokenService): void {
    const { components, repo, clock, registry } = this;
    const quietly = async (what: string, collect: () => Promise<void>) => {
      try {
        await collect();
      } catch (error) {
        this.logger.debug(`scrape: ${what} unavailable (${errorName(error)})`);
      }
    };
    // One query feeds both component gauges: the first collected runs it, the other reuses it.
    let componentState: ReturnType<MetricsRepository['componentState']> | undefined;
    const readComponents = () => {
      componentState ??= repo
        .componentState(components.appids())
        .finally(() => setImmediate(() => (componentState = undefined)));
      return componentState;
    };
    new Gauge({
      name: 'wechat_component_ticket_age_seconds',
      help: 'Age of the newest component_verify_ticket (-1 when none has arrived)',
      labelNames: ['component'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        await quietly('ticket age', async () => {
          for (const r of await readComponents()) {
            this.set(
              { component: r.component },
              r.ticketCreateTime
                ? Math.floor((clock.nowMs() - new Date(r.ticketCreateTime).getTime()) / 1000)
                : -1,
            );
          }
        });
      },
    });
    new Gauge({
      name: 'wechat_component_token_expires_in_seconds',
      help: 'Seconds until the stored component_access_token expires (-1 when none)',
      labelNames: ['component'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        await quietly('component token', async () => {
          for (const r of await readComponents()) {
            this.set(
              { component: r.component },
              r.tokenExpiresAt
                ? Math.round((new Date(r.tokenExpiresAt).getTime() - clock.nowMs()) / 1000)
                : -1,
            );
          }
        });
      },
    });
    // One census query feeds the three authorizer gauges: the first gauge collected runs it.
    let census: Promise<AuthorizerCensusRow[] | null> | undefined;
    const readCensus = () => {
      census ??= repo
        .authorizerCensus(components.appids(), clock.now(), EXPIRING_WITHIN_SEC)
        .catch((error: unknown) => {
          this.logger.debug(`scrape: authorizer census unavailable (${errorName(error)})`);
          return null;
        })
        .finally(() => setImmediate(() => (census = undefined)));
      return census;
    };
    new Gauge({
      name: 'wechat_authorizers',
      help: 'Accounts by component and status (authorized, revoked, needs_reauth, detached)',
      labelNames: ['component', 'status'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await readCensus();
        for (const appid of rows ? components.appids() : []) {
          for (const status of AUTHORIZER_STATUSES) this.set({ component: appid, status }, 0);
        }
        for (const r of rows ?? []) {
          if (AUTHORIZER_STATUSES.includes(r.status))
            this.set({ component: r.component, status: r.status }, r.accounts);
        }
      },
    });
    new Gauge({
      name: 'wechat_authorizer_tokens',
      help: `authorizer_access_tokens of authorized accounts by state: valid, expiring (within ${EXPIRING_WITHIN_SEC} s), expired (or none)`,
      labelNames: ['component', 'state'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await readCensus();
        if (!rows) return;
        for (const appid of components.appids()) {
          const r = rows.find((x) => x.component === appid && x.status === 'authorized');
          this.set({ component: appid, state: 'valid' }, r?.valid ?? 0);
          this.set({ component: appid, state: 'expiring' }, r?.expiring ?? 0);
          this.set({ component: appid, state: 'expired' }, r?.expired ?? 0);
        }
      },
    });
    new Gauge({
      name: 'wechat_authorizer_refresh_backlog',
      help: 'Authorized accounts whose token is past its planned refresh',
      labelNames: ['component'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await readCensus();
        if (!rows) return;
        for (const appid of components.appids()) {
          const r = rows.find((x) => x.component === appid && x.status === 'authorized');
          this.set({ component: appid }, r?.due ?? 0);
        }
      },
    });
    new Gauge({
      name: 'wechat_jobs',
      help: 'Durable jobs by component and status: pending (the queue depth) and failed (for good)',
      labelNames: ['component', 'status'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        await quietly('jobs', async () => {
          const rows = await repo.jobCounts(components.appids());
          for (const appid of components.appids()) {
            for (const status of ['pending', 'failed']) {
              const r = rows.find((x) => x.component === appid && x.status === status);
              this.set({ component: appid, status }, r?.jobs ?? 0);
            }
          }
        });
      },
    });
    // The library counts reads with plain increments; they are copied here only when scraped.
    new Counter({
      name: 'wechat_authorizer_token_reads_total',
      help: 'Reads of authorizer_access_tokens: hit (served from memory) or miss (read from the database or refreshed); hit ratio = hit / (hit + miss)',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        const stats = authorizerTokens.readStats();
        this.reset();
        this.inc({ result: 'hit' }, stats.hits);
        this.inc({ result: 'miss' }, stats.misses);
      },
    });
  }
}

/** At most this many endpoint labels; later ones are `other`. */
const MAX_ENDPOINTS = 100;
/** Tokens expiring within this are `expiring` (the default refresh margin is 20 minutes). */
const EXPIRING_WITHIN_SEC = 600;
const AUTHORIZER_STATUSES: readonly string[] = [
  'authorized',
  'revoked',
  'needs_reauth',
  'detached',
];

/**
 * errcodes WeChat documents for the calls the platform makes (tokens, tickets, authorization,
 * quota): each its own label value; any other is `other`.
 */
const KNOWN_ERRCODES: ReadonlySet<string> = new Set([
  '-1',
  '40001',
  '40013',
  '40014',
  '40125',
  '40164',
  '40226',
  '41001',
  '41002',
  '42001',
  '42002',
  '45009',
  '45011',
  '48001',
  '61003',
  '61004',
  '61005',
  '61006',
  '61007',
  '61009',
  '61010',
  '61011',
  '61023',
  '61024',
  '76021',
  '76022',
  '89000',
  '89001',
  '89002',
]);

/** A call's result as a label: ok, unavailable, a known errcode, or other. */
export function resultLabel(result: string): string {
  return result === 'ok' || result === 'unavailable' || KNOWN_ERRCODES.has(result)
    ? result
    : 'other';
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'error';
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
