import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;
const toInt = ({ value }: { value: unknown }): unknown =>
  value === undefined || value === '' ? undefined : Number(value);

/**
 * Every environment variable the platform reads, with its default. This is the only place that
 * touches process.env; the README's configuration table mirrors it.
 */
export class Environment {
  @IsOptional() @IsString() NODE_ENV: string = 'development';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT: number = 3000;
  @IsString() HOST: string = '127.0.0.1';
  /** The platform's own address as WeChat and browsers reach it (redirect_uri, entry links). */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) PUBLIC_BASE_URL?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL: string = 'info';
  /** `pretty`: one readable line per event; `json`: pino's JSON; `auto`: pretty on a terminal. */
  @IsIn(['auto', 'pretty', 'json']) LOG_FORMAT: string = 'auto';

  /** Serve the console (the built apps/console) at /console/, and send `/` there. */
  @Transform(toBool) @IsBoolean() CONSOLE_ENABLED: boolean = true;
  /** The console's built files. Unset: dist/console in the platform's own checkout or image. */
  @IsOptional() @IsString() CONSOLE_DIR?: string;

  /** Unset: embedded PostgreSQL under EMBEDDED_PG_DIR (single instance). */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;
  @IsString() EMBEDDED_PG_DIR: string = './.data/pg';
  @Transform(toInt) @IsInt() @Min(1) @Max(200) DB_POOL_SIZE: number = 10;
  @Transform(toBool) @IsBoolean() SKIP_MIGRATIONS: boolean = false;

  /**
   * Keys that encrypt secrets at rest: `kid:base64(32 bytes)` entries separated by commas, the
   * first one current. Unset: a development key generated under .data/ (never for production).
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/]{43}=(,[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/]{43}=)*$/, {
    message: 'DATA_ENCRYPTION_KEYS must be kid:base64-of-32-bytes[,kid:key...]',
  })
  DATA_ENCRYPTION_KEYS?: string;

  /**
   * The components (JSON array of {appid, secret, token, encodingAesKey, previousEncodingAesKey?}).
   * Unset while the embedded sandbox runs: a demo component that exists only in the sandbox.
   */
  @IsOptional() @IsString() WECHAT_COMPONENTS?: string;

  /** WeChat's API host. Unset: the platform starts the sandbox and points here at it. */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) WECHAT_API_BASE_URL?: string;
  /** Host of the PC authorization page (componentloginpage). */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) WECHAT_MP_BASE_URL?: string;
  /** Host of the mobile authorization page (bindcomponent). */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  WECHAT_OPEN_BASE_URL?: string;
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) SANDBOX_PORT: number = 8081;
  @Transform(toInt) @IsInt() @Min(0) SANDBOX_TICKET_PUSH_INTERVAL_MS: number = 600_000;

  @Transform(toInt) @IsInt() @Min(1000) WECHAT_HTTP_TIMEOUT_MS: number = 5000;
  /**
   * Proxy for every call to WeChat (`http://[user:password@]host:port`): a fixed egress address
   * for WeChat's IP whitelist (61004). Unset: direct (HTTPS_PROXY and friends are not read).
   */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  WECHAT_HTTP_PROXY?: string;
  @Transform(toInt) @IsInt() @Min(60) COMPONENT_TOKEN_REFRESH_MARGIN_SEC: number = 900;
  @Transform(toInt) @IsInt() @Min(60) TICKET_STALE_AFTER_SEC: number = 1800;
  @IsString() COMPONENT_TOKEN_CRON: string = '*/30 * * * * *';
  @Transform(toInt) @IsInt() @Min(1024) MAX_XML_BYTES: number = 64 * 1024;
  /** Refuse pushes signed further than this from now (replays); 0 turns the check off. */
  @Transform(toInt) @IsInt() @Min(0) PUSH_TIMESTAMP_WINDOW_SEC: number = 300;

  /** How long the message URL waits for host handlers before answering `success` (under 5 s). */
  @Transform(toInt) @IsInt() @Min(0) @Max(4999) MESSAGE_REPLY_BUDGET_MS: number = 4000;
  /** Answer WeChat's full-release (全网发布) robot test for its test accounts. */
  @Transform(toBool) @IsBoolean() FULL_RELEASE_TEST: boolean = true;

  @Transform(toInt) @IsInt() @Min(60) PRE_AUTH_SESSION_TTL_SEC: number = 1800;
  /** JSON {"tenantId" or "*": ["https://dashboard.example.com/return/", ...]}. */
  @IsOptional() @IsString() TENANT_RETURN_URLS?: string;
  @IsIn(['refuse', 'move']) TENANT_CONFLICT_POLICY: string = 'refuse';
  @Transform(toInt) @IsInt() @Min(60) AUTHORIZER_REFRESH_MARGIN_SEC: number = 1200;
  @Transform(toInt) @IsInt() @Min(1) @Max(500) AUTHORIZER_REFRESH_CONCURRENCY: number = 50;
  @Transform(toInt) @IsInt() @Min(1) AUTHORIZER_REFRESH_RATE_PER_SEC: number = 200;
  @Transform(toBool) @IsBoolean() AUTHORIZER_SYNC_ON_STARTUP: boolean = false;
  /** Refresh claims last this long, renewed while the refresh runs; at most half the margin. */
  @Transform(toInt) @IsInt() @Min(1) AUTHORIZER_LEASE_SEC: number = 30;
  @Transform(toInt) @IsInt() @Min(1) @Max(1000) AUTHORIZER_PROFILE_BATCH_SIZE: number = 50;
  @IsString() AUTHORIZER_PROFILE_CRON: string = '0 */15 * * * *';
  /** Requests per minute per API key on the admin API (/v1, dashboards and operators). */
  @Transform(toInt) @IsInt() @Min(1) ADMIN_RATE_LIMIT_PER_MIN: number = 600;
  /** Requests per minute per service key on the token API (/v1/components/:c/authorizers/:a/...). */
  @Transform(toInt) @IsInt() @Min(1) TOKEN_API_RATE_LIMIT_PER_MIN: number = 60_000;

  /** Forwarding to tenants' webhooks: per-attempt timeout of a POST to a tenant's URL. */
  @Transform(toInt) @IsInt() @Min(100) @Max(60_000) WEBHOOK_TIMEOUT_MS: number = 10_000;
  /** Attempts of one delivery before it is dead (dead-letter; redeliver by hand). */
  @Transform(toInt) @IsInt() @Min(1) @Max(100) WEBHOOK_MAX_ATTEMPTS: number = 12;
  /** First retry delay; doubles per attempt (equal jitter), capped by WEBHOOK_BACKOFF_MAX_MS. */
  @Transform(toInt) @IsInt() @Min(1) WEBHOOK_BACKOFF_BASE_MS: number = 10_000;
  @Transform(toInt) @IsInt() @Min(1) WEBHOOK_BACKOFF_MAX_MS: number = 3_600_000;
  /** Deliveries in flight per instance (a slow receiver holds one slot, never the queue). */
  @Transform(toInt) @IsInt() @Min(1) @Max(500) WEBHOOK_CONCURRENCY: number = 16;
  /** How often an idle worker looks for due deliveries (an enqueue wakes it at once). */
  @Transform(toInt) @IsInt() @Min(10) WEBHOOK_POLL_INTERVAL_MS: number = 1000;
  /** Delivered and dead deliveries (their bodies hold decrypted content) are deleted after this. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) WEBHOOK_RETENTION_DAYS: number = 30;
  /**
   * Whether webhook URLs may point at loopback, private, link-local or other non-public
   * addresses (checked on every connection, after DNS). Unset: allowed only while the sandbox
   * stands in for WeChat (local development).
   */
  @IsOptional() @Transform(toBool) @IsBoolean() WEBHOOK_ALLOW_PRIVATE_NETWORKS?: boolean;

  /** Retention (days a row is kept): the event log, refresh log, access log and done jobs. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) RETENTION_EVENT_LOG_DAYS: number = 90;
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) RETENTION_REFRESH_LOG_DAYS: number = 30;
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) RETENTION_ACCESS_LOG_DAYS: number = 365;
  @Transform(toInt) @IsInt() @Min(1) @Max(3650) RETENTION_DONE_JOB_DAYS: number = 14;
  /** Schedule of the retention job (only where schedulers run). */
  @IsString() RETENTION_CRON: string = '0 17 * * * *';
  /**
   * Proxies whose X-Forwarded-For is believed (Fastify's trustProxy): comma-separated addresses
   * or CIDR blocks (`127.0.0.1,10.0.0.0/8`). Unset: none, the socket's address is the client's.
   */
  @IsOptional()
  @Matches(/^[0-9A-Fa-f:./]+(,[0-9A-Fa-f:./]+)*$/, {
    message: 'TRUST_PROXY must be comma-separated addresses / CIDR blocks',
  })
  TRUST_PROXY?: string;
  /** Refuse pushes whose source is not in WeChat's callback IP list (needs TRUST_PROXY). */
  @Transform(toBool) @IsBoolean() CALLBACK_IP_CHECK: boolean = false;

  /** Rows deleted per statement, and how long one run may go on. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000) RETENTION_BATCH_SIZE: number = 1000;
  @Transform(toInt) @IsInt() @Min(1000) RETENTION_BUDGET_MS: number = 60_000;

  /**
   * Serve /health and /metrics on this port only (a second listener on HOST), not on PORT.
   * Unset: on PORT, as every other route.
   */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) OPS_PORT?: number;
  /** When set, /health and /metrics require `Authorization: Bearer <OPS_TOKEN>` (16+ chars). */
  @IsOptional()
  @IsString()
  @Matches(/^\S{16,}$/, { message: 'OPS_TOKEN must be 16+ non-blank characters' })
  OPS_TOKEN?: string;
  /** Readiness warns when a component's verify ticket is older than this (WeChat pushes every 10 min). */
  @Transform(toInt) @IsInt() @Min(60) HEALTH_TICKET_WARN_SEC: number = 1800;
  /** Readiness fails when the ticket is older than this (a ticket lives 12 h). */
  @Transform(toInt) @IsInt() @Min(60) HEALTH_TICKET_FAIL_SEC: number = 39_600;
  /** Readiness warns when a token has been past its planned refresh this long. */
  @Transform(toInt) @IsInt() @Min(1) HEALTH_BACKLOG_WARN_SEC: number = 300;
  /** Readiness fails when a token has been past its planned refresh this long. */
  @Transform(toInt) @IsInt() @Min(1) HEALTH_BACKLOG_FAIL_SEC: number = 1200;
}

/** Parses and validates the environment; throws one error listing every offending key. */
export function validateEnvironment(env: Record<string, string | undefined>): Environment {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = plainToInstance(Environment, defined, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.map(
      (e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`,
    );
    throw new Error(`invalid configuration (${errors.length} key(s)):\n${lines.join('\n')}`);
  }
  return parsed;
}
