import { Clock } from './core/clock.js';
import { DataKey } from './core/secret-box.js';
import { TenantConflictPolicy } from './authorizer/authorizer.types.js';
import { WechatApiClientOptions } from './client/wechat-api.client.js';
import { ResolvedWechatHttpOptions, WechatHttpOptions } from './client/wechat-http.options.js';

/** One third-party platform (component) as configured in WeChat's console. */
export interface ComponentConfig {
  appid: string;
  /** component_appsecret. */
  secret: string;
  /** 消息校验Token. */
  token: string;
  /** 消息加解密Key (43 characters). */
  encodingAesKey: string;
  /** The key before the last rotation, accepted for incoming messages. */
  previousEncodingAesKey?: string;
}

/** Options of the Authorizer module (all optional). */
export interface AuthorizerOptions {
  /** Refresh this long before expiry (scaled down for short lifetimes). Default 1200 s. */
  refreshMarginSec?: number;
  /** Random spread added to the margin so tokens minted together do not come due together. Default 600 s. */
  refreshJitterSec?: number;
  /** Cron expression (with seconds) of the refresh sweep. Default every 10 s. */
  refreshCron?: string;
  /** Refreshes in flight at once per instance. Default 50. */
  refreshConcurrency?: number;
  /** Refresh calls started per second per instance. Default 200. */
  refreshRatePerSec?: number;
  /** Tokens claimed per database round trip. Default 200. */
  refreshBatchSize?: number;
  /** Refresh profiles older than this on a slow schedule. Default 86400 s. */
  profileMaxAgeSec?: number;
  /** Profiles fetched per run of the profile schedule. Default 50. */
  profileBatchSize?: number;
  /** Cron expression (with seconds) of the profile schedule. Default every 15 min, on the minute. */
  profileCron?: string;
  /**
   * A refresh claim (sweep or on demand) lasts this long and is renewed every third of it while
   * the refresh goes on; a dead instance's claims come free after it. At most half the refresh
   * margin (checked at start-up). Default 30 s.
   */
  leaseSec?: number;
  /** An account bound to one tenant and authorized for another: refuse (default) or move it. */
  tenantConflictPolicy?: TenantConflictPolicy;
  /** LISTEN for token changes made by other instances (needs a spare connection). Default true. */
  notifications?: boolean;
  /** Run api_get_authorizer_list sync once at start-up. Default false. */
  syncOnStartup?: boolean;
}

/** Options of the PreAuth module. */
export interface PreAuthOptions {
  /**
   * This service's public base URL (scheme, host on WeChat's authorization domain, optional
   * path). Entry links and redirect_uri are built on it. Required to create sessions.
   */
  publicBaseUrl?: string;
  /** A session (and its entry link) is usable this long. Default 1800 s. */
  sessionTtlSec?: number;
  /**
   * Allowed return URLs per tenant id (`*` for every tenant): a return URL must start with one of
   * the prefixes. Default: none allowed.
   */
  returnUrlAllowList?: Record<string, string[]>;
}

/** Options of the JsApi module (JS-SDK tickets and signatures). */
export interface JsApiOptions {
  /**
   * Refresh a ticket this long before it expires (scaled down to a quarter of the lifetime for
   * short-lived tickets). Default 600 s.
   */
  refreshMarginSec?: number;
  /**
   * Keep a ticket fresh only while it was used within this window; an idle ticket lapses and is
   * fetched again on its next use (the getticket quota is small). Default 86400 s.
   */
  keepWarmSec?: number;
  /** Cron expression (with seconds) of the keep-warm sweep. Default every 30 s. */
  cron?: string;
  /**
   * Hostnames allowed in JS-SDK page URLs, per authorizer appid (`*` for every account; an
   * account's own entry replaces `*`). An account with no entry (and no `*`) may sign any URL.
   * Default: none configured.
   */
  allowedDomains?: Record<string, string[]>;
}

/** Options of the message URL (WechatMessageService; all optional). */
export interface MessageOptions {
  /**
   * How long the message URL waits for the host's (non-critical) handlers before answering
   * `success`; a handler still running may reply later through the customer-service API. WeChat
   * gives up after 5 s, so it must be under 5000 (checked at start-up). Default 4000 ms.
   */
  replyBudgetMs?: number;
  /**
   * Answer WeChat's full-release (全网发布) robot test for its test accounts (§6.2, §6.3), before
   * and instead of the host's handlers. Default true.
   */
  fullReleaseTest?: boolean;
  /**
   * Keep deduplication claims this long (WeChat retries within seconds); older ones are pruned
   * by a cron when `schedulers` is on. Default 86400 s.
   */
  dedupeRetentionSec?: number;
  /** Cron expression (with seconds) of the pruning of old claims. Default every 10 min. */
  dedupePruneCron?: string;
}

/** Options of WechatOpenModule. The library never reads process.env: the app passes these in. */
export interface WechatOpenModuleOptions {
  /** The components this service acts for. At least one. */
  components: ComponentConfig[];
  /** Keys that encrypt secrets at rest; the first encrypts, all decrypt. */
  dataKeys: DataKey[];
  /** The WeChat API adapter. Defaults: https://api.weixin.qq.com, 5000 ms, 3 attempts, 200 ms. */
  api?: Partial<WechatApiClientOptions>;
  /**
   * The HTTP layer under the adapter (@nestjs/axios): `proxy` (default false: direct),
   * `httpAgent` / `httpsAgent` (default keep-alive agents), `timeoutMs` (default `api.timeoutMs`)
   * and `configure(axios)` to add interceptors. See WechatHttpOptions.
   */
  http?: WechatHttpOptions;
  /** Hosts of the authorization pages. Defaults: https://mp.weixin.qq.com, https://open.weixin.qq.com. */
  authPages?: { mpBaseUrl?: string; openBaseUrl?: string };
  /**
   * Refresh the component token this long before it expires (scaled down to a quarter of the
   * lifetime WeChat gave it, for short-lived tokens). Must exceed minTokenRemainingSec and twice
   * the 30 s minting lease (checked at start-up). Default 900 s.
   */
  componentTokenRefreshMarginSec?: number;
  /** Never hand out a token (component or authorizer) with less than this left. Default 60 s. */
  minTokenRemainingSec?: number;
  /** Cron expression (with seconds) of the component token / ticket check. Default every 30 s. */
  componentCron?: string;
  /** Ask WeChat to restart ticket pushes when the newest ticket is older. Default 1800 s. */
  ticketStaleAfterSec?: number;
  /**
   * Longest pause between two api_start_push_ticket calls for a missing or stale ticket (across
   * instances): the first ask goes out once the HTTP server listens, the next after 60 s,
   * doubling up to this; a new ticket starts over. (After WeChat refused the stored ticket, asks
   * are limited to one a minute, apart from these.) Default 600 s.
   */
  ticketRepushIntervalSec?: number;
  /** Largest XML body accepted from WeChat. Default 65536 bytes. */
  maxXmlBytes?: number;
  /**
   * Refuse a push whose `timestamp` is further than this from now, either way (a captured push
   * replayed later). 0 turns the check off. Default 300 s.
   */
  pushTimestampWindowSec?: number;
  /**
   * Name of the host's TypeORM DataSource the library's tables live in. Default the default
   * DataSource. (forRootAsync takes it beside useFactory: it must be known statically.)
   */
  dataSource?: string;
  /**
   * Run the library's scheduled jobs in this instance (token refreshes, asks for tickets, minting
   * when a ticket arrives). They are registered in the host's SchedulerRegistry: the host must
   * import ScheduleModule.forRoot() from @nestjs/schedule (start-up fails otherwise). Default true.
   */
  schedulers?: boolean;
  authorizer?: AuthorizerOptions;
  preAuth?: PreAuthOptions;
  jsapi?: JsApiOptions;
  messages?: MessageOptions;
  /** Time source; tests pass a controllable one. Default the system clock. */
  clock?: Clock;
  /** How this instance names itself in leases and logs. Default hostname:pid:random. */
  instanceId?: string;
}

export type ResolvedWechatOpenOptions = Required<
  Omit<
    WechatOpenModuleOptions,
    'api' | 'http' | 'authPages' | 'authorizer' | 'preAuth' | 'jsapi' | 'messages' | 'dataSource'
  >
> & {
  preAuth: {
    publicBaseUrl: string | null;
    sessionTtlSec: number;
    returnUrlAllowList: Record<string, string[]>;
  };
  authorizer: Required<AuthorizerOptions>;
  jsapi: Required<JsApiOptions>;
  messages: Required<MessageOptions>;
  api: WechatApiClientOptions;
  http: ResolvedWechatHttpOptions;
  authPages: { mpBaseUrl: string; openBaseUrl: string };
};
