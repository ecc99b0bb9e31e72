import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  AuthorizerOptions,
  ComponentConfig,
  DataKey,
  JsApiOptions,
  MessageOptions,
  parseDataKeys,
} from '@app/wechat-open';
import { Environment } from './environment.js';
import type { LogFormat } from '../logging/log-format.js';
import type { RetentionConfig } from '../retention/retention.config.js';

/** Everything the platform needs, resolved from the environment once. */
export interface PlatformConfig {
  port: number;
  host: string;
  /** How browsers and WeChat reach this service (redirect_uri, entry links). */
  publicBaseUrl: string;
  logLevel: string;
  /** Terminal-friendly or JSON logs (LOG_FORMAT); `auto` (the default) is pretty on a TTY. */
  logFormat?: LogFormat;
  /** The console at /console/ (CONSOLE_ENABLED, CONSOLE_DIR). Default on, dist/console. */
  console?: { enabled: boolean; dir?: string };
  database: { url?: string; embeddedDir: string; poolSize: number; runMigrations: boolean };
  components: ComponentConfig[];
  dataKeys: DataKey[];
  /** Unset: start the sandbox in-process and point the WeChat URLs at it. */
  wechat?: { apiBaseUrl: string; mpBaseUrl: string; openBaseUrl: string };
  sandbox: { port: number; ticketPushIntervalMs: number };
  httpTimeoutMs: number;
  /** Proxy URL for calls to WeChat (WECHAT_HTTP_PROXY); unset = direct. */
  httpProxy?: string;
  componentTokenRefreshMarginSec: number;
  ticketStaleAfterSec: number;
  componentCron: string;
  maxXmlBytes: number;
  /** Pushes signed further than this from now are refused; 0 = no check. */
  pushTimestampWindowSec?: number;
  schedulers: boolean;
  preAuthSessionTtlSec: number;
  /** Return URL prefixes per tenant id (`*` = any tenant). */
  returnUrlAllowList: Record<string, string[]>;
  authorizer: AuthorizerOptions;
  /** JS-SDK ticket options; unset = the library's defaults. */
  jsapi?: JsApiOptions;
  /** The message URL's options; unset = the library's defaults. */
  messages?: MessageOptions;
  /** Requests per minute per API key: admin API, token API. */
  rateLimits: { adminPerMin: number; tokenApiPerMin: number };
  /** Tests shorten the safety margin to run with tokens that live seconds. */
  minTokenRemainingSec?: number;
  instanceId?: string;
  /** Forwarding to tenants' webhooks; unset fields take FORWARDING_DEFAULTS. */
  forwarding?: Partial<ForwardingConfig>;
  /** Fastify's trustProxy (TRUST_PROXY): which proxies' X-Forwarded-For is believed. Default false. */
  trustProxy?: false | string;
  /** Refuse pushes from outside WeChat's callback IP list (CALLBACK_IP_CHECK). Default false. */
  callbackIpCheck?: boolean;
  /** Retention of the logs and the job queue; unset fields take RETENTION_DEFAULTS. */
  retention?: Partial<RetentionConfig>;
  /** /health and /metrics: where they are served and readiness thresholds; unset = OPS_DEFAULTS. */
  ops?: Partial<OpsConfig>;
}

/** Where /health and /metrics are served, and when readiness warns or fails (OPS_*, HEALTH_*). */
export interface OpsConfig {
  /** Serve /health and /metrics on this port only (0 = any free port). Default unset: on PORT. */
  port?: number;
  /** Require `Authorization: Bearer <token>` on /health and /metrics. Default unset: open. */
  token?: string;
  /** Ticket age that makes readiness warn. Default 1800 (30 min). */
  ticketWarnAfterSec: number;
  /** Ticket age that makes readiness fail. Default 39 600 (11 h; a ticket lives 12 h). */
  ticketFailAfterSec: number;
  /** How long past its planned refresh a token makes readiness warn. Default 300. */
  backlogWarnAfterSec: number;
  /** How long past its planned refresh a token makes readiness fail. Default 1200. */
  backlogFailAfterSec: number;
}

export const OPS_DEFAULTS: OpsConfig = {
  ticketWarnAfterSec: 1800,
  ticketFailAfterSec: 39_600,
  backlogWarnAfterSec: 300,
  backlogFailAfterSec: 1200,
};

/** How deliveries to tenants' webhooks are sent and retried (WEBHOOK_* variables). */
export interface ForwardingConfig {
  /** Per-attempt timeout of a POST, response included. Default 10 000. */
  timeoutMs: number;
  /** Attempts before a delivery is dead. Default 12. */
  maxAttempts: number;
  /** First retry delay, doubled per attempt with equal jitter. Default 10 000. */
  backoffBaseMs: number;
  /** Longest retry delay. Default 3 600 000 (1 h). */
  backoffMaxMs: number;
  /** Deliveries in flight per instance. Default 16. */
  concurrency: number;
  /** Idle polling period of the worker. Default 1000. */
  pollIntervalMs: number;
  /** Days delivered and dead deliveries are kept. Default 30. */
  retentionDays: number;
  /** Whether URLs may resolve to loopback / private / link-local addresses. Default false. */
  allowPrivateNetworks: boolean;
}

export const FORWARDING_DEFAULTS: ForwardingConfig = {
  timeoutMs: 10_000,
  maxAttempts: 12,
  backoffBaseMs: 10_000,
  backoffMaxMs: 3_600_000,
  concurrency: 16,
  pollIntervalMs: 1000,
  retentionDays: 30,
  allowPrivateNetworks: false,
};

/** The component that exists only in the sandbox, for the zero-configuration first run. */
export const DEMO_COMPONENT: ComponentConfig = {
  appid: 'wx00000000demo0001',
  secret: 'demo-component-secret',
  token: 'demotoken',
  encodingAesKey: 'DemoKeyDemoKeyDemoKeyDemoKeyDemoKeyDemoKeyD',
};

const DEV_KEY_FILE = './.data/data-encryption.key';

/**
 * The configuration from the validated environment. `warn` hears what an operator should act
 * on; `info` (default `warn`) what is expected in the sandbox run, such as the development key.
 */
export function toPlatformConfig(
  env: Environment,
  warn: (message: string) => void,
  info: (message: string) => void = warn,
): PlatformConfig {
  const sandboxed = env.WECHAT_API_BASE_URL === undefined;
  const components = env.WECHAT_COMPONENTS
    ? parseComponents(env.WECHAT_COMPONENTS)
    : sandboxed
      ? [DEMO_COMPONENT]
      : [];
  if (components.length === 0) {
    throw new Error(
      'invalid configuration (1 key(s)):\n  WECHAT_COMPONENTS: required when WECHAT_API_BASE_URL is set',
    );
  }
  if (env.CALLBACK_IP_CHECK && !env.TRUST_PROXY) {
    // Without a trusted proxy the source would be the socket's: behind any proxy, the proxy's.
    throw new Error(
      'invalid configuration (1 key(s)):\n  CALLBACK_IP_CHECK: needs TRUST_PROXY (the proxy that names the source address)',
    );
  }
  let dataKeys: DataKey[];
  if (env.DATA_ENCRYPTION_KEYS) {
    dataKeys = parseDataKeys(env.DATA_ENCRYPTION_KEYS);
  } else {
    // Expected in the sandbox run (nothing real to protect); a warning against real WeChat.
    (sandboxed ? info : warn)(
      `DATA_ENCRYPTION_KEYS is not set: using the development key in ${DEV_KEY_FILE} (never in production)`,
    );
    dataKeys = [{ kid: 'dev', key: developmentKey() }];
  }
  return {
    port: env.PORT,
    host: env.HOST,
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${env.PORT}`).replace(/\/$/, ''),
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT as LogFormat,
    console: { enabled: env.CONSOLE_ENABLED, dir: env.CONSOLE_DIR && resolve(env.CONSOLE_DIR) },
    database: {
      url: env.DATABASE_URL,
      embeddedDir: env.EMBEDDED_PG_DIR,
      poolSize: env.DB_POOL_SIZE,
      runMigrations: !env.SKIP_MIGRATIONS,
    },
    components,
    dataKeys,
    wechat: sandboxed
      ? undefined
      : {
          apiBaseUrl: env.WECHAT_API_BASE_URL!,
          mpBaseUrl: env.WECHAT_MP_BASE_URL ?? 'https://mp.weixin.qq.com',
          openBaseUrl: env.WECHAT_OPEN_BASE_URL ?? 'https://open.weixin.qq.com',
        },
    sandbox: { port: env.SANDBOX_PORT, ticketPushIntervalMs: env.SANDBOX_TICKET_PUSH_INTERVAL_MS },
    httpTimeoutMs: env.WECHAT_HTTP_TIMEOUT_MS,
    httpProxy: env.WECHAT_HTTP_PROXY,
    componentTokenRefreshMarginSec: env.COMPONENT_TOKEN_REFRESH_MARGIN_SEC,
    ticketStaleAfterSec: env.TICKET_STALE_AFTER_SEC,
    componentCron: env.COMPONENT_TOKEN_CRON,
    maxXmlBytes: env.MAX_XML_BYTES,
    pushTimestampWindowSec: env.PUSH_TIMESTAMP_WINDOW_SEC,
    messages: {
      replyBudgetMs: env.MESSAGE_REPLY_BUDGET_MS,
      fullReleaseTest: env.FULL_RELEASE_TEST,
    },
    schedulers: true,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    callbackIpCheck: env.CALLBACK_IP_CHECK,
    preAuthSessionTtlSec: env.PRE_AUTH_SESSION_TTL_SEC,
    returnUrlAllowList: parseAllowList(env.TENANT_RETURN_URLS, sandboxed, env.PORT),
    rateLimits: {
      adminPerMin: env.ADMIN_RATE_LIMIT_PER_MIN,
      tokenApiPerMin: env.TOKEN_API_RATE_LIMIT_PER_MIN,
    },
    authorizer: {
      refreshMarginSec: env.AUTHORIZER_REFRESH_MARGIN_SEC,
      refreshConcurrency: env.AUTHORIZER_REFRESH_CONCURRENCY,
      refreshRatePerSec: env.AUTHORIZER_REFRESH_RATE_PER_SEC,
      tenantConflictPolicy: env.TENANT_CONFLICT_POLICY as 'refuse' | 'move',
      syncOnStartup: env.AUTHORIZER_SYNC_ON_STARTUP,
      leaseSec: env.AUTHORIZER_LEASE_SEC,
      profileBatchSize: env.AUTHORIZER_PROFILE_BATCH_SIZE,
      profileCron: env.AUTHORIZER_PROFILE_CRON,
    },
    forwarding: {
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      backoffBaseMs: env.WEBHOOK_BACKOFF_BASE_MS,
      backoffMaxMs: env.WEBHOOK_BACKOFF_MAX_MS,
      concurrency: env.WEBHOOK_CONCURRENCY,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
      retentionDays: env.WEBHOOK_RETENTION_DAYS,
      allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? sandboxed,
    },
    retention: {
      eventLogDays: env.RETENTION_EVENT_LOG_DAYS,
      refreshLogDays: env.RETENTION_REFRESH_LOG_DAYS,
      accessLogDays: env.RETENTION_ACCESS_LOG_DAYS,
      doneJobDays: env.RETENTION_DONE_JOB_DAYS,
      cron: env.RETENTION_CRON,
      batchSize: env.RETENTION_BATCH_SIZE,
      budgetMs: env.RETENTION_BUDGET_MS,
    },
    ops: {
      port: env.OPS_PORT,
      token: env.OPS_TOKEN,
      ticketWarnAfterSec: env.HEALTH_TICKET_WARN_SEC,
      ticketFailAfterSec: env.HEALTH_TICKET_FAIL_SEC,
      backlogWarnAfterSec: env.HEALTH_BACKLOG_WARN_SEC,
      backlogFailAfterSec: env.HEALTH_BACKLOG_FAIL_SEC,
    },
  };
}

function parseComponents(json: string): ComponentConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('invalid configuration (1 key(s)):\n  WECHAT_COMPONENTS: is not valid JSON');
  }
  const list = Array.isArray(parsed) ? parsed : [];
  const bad = list.length === 0 || list.some((c: unknown) => !isComponent(c));
  if (bad) {
    throw new Error(
      'invalid configuration (1 key(s)):\n  WECHAT_COMPONENTS: must be a JSON array of ' +
        '{appid, secret, token, encodingAesKey (43 characters), previousEncodingAesKey?}',
    );
  }
  return list as ComponentConfig[];
}

function parseAllowList(
  json: string | undefined,
  sandboxed: boolean,
  port: number,
): Record<string, string[]> {
  if (!json) return sandboxed ? { '*': [`http://127.0.0.1:${port}/`, 'http://localhost/'] } : {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = null;
  }
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    Object.values(parsed).every(
      (v) => Array.isArray(v) && v.every((u) => typeof u === 'string' && URL.canParse(u)),
    );
  if (!valid) {
    throw new Error(
      'invalid configuration (1 key(s)):\n  TENANT_RETURN_URLS: must be a JSON object {"tenantId" or "*": ["https://prefix/", ...]}',
    );
  }
  return parsed as Record<string, string[]>;
}

function isComponent(c: unknown): c is ComponentConfig {
  if (typeof c !== 'object' || c === null) return false;
  const o = c as Record<string, unknown>;
  const keys = ['appid', 'secret', 'token', 'encodingAesKey'];
  const aesKey = (v: unknown) => typeof v === 'string' && /^[A-Za-z0-9]{43}$/.test(v);
  return (
    keys.every((k) => typeof o[k] === 'string' && o[k] !== '') &&
    aesKey(o.encodingAesKey) &&
    (o.previousEncodingAesKey === undefined || aesKey(o.previousEncodingAesKey))
  );
}

function developmentKey(): Buffer {
  const path = resolve(DEV_KEY_FILE);
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  mkdirSync(dirname(path), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('base64'), { mode: 0o600 });
  return key;
}

/** TRUST_PROXY as Fastify takes it: unset false, else the addresses / CIDR blocks. */
export function parseTrustProxy(value: string | undefined): false | string {
  return value ? value : false;
}
