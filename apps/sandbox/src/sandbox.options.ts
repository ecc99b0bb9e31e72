/** A component (third-party platform) the sandbox knows, as WeChat's console would hold it. */
export interface SandboxComponentConfig {
  appid: string;
  secret: string;
  /** 消息校验Token: signs every push. */
  token: string;
  /** 消息加解密Key (43 characters): encrypts every push. */
  encodingAesKey: string;
  /** Accepted for compatibility with the platform's component config; pushes use the current key. */
  previousEncodingAesKey?: string;
  /** 授权事件接收URL: tickets and authorization notices. Unset: those pushes are skipped. */
  eventUrl?: string;
  /** 消息与事件接收URL; may contain `$APPID$`. Unset: message pushes are skipped. */
  messageUrl?: string;
  /**
   * 授权发起页域名, `host[:port]`. The authorization pages require a Referer on this host and a
   * redirect_uri on it. Unset: any Referer host is accepted (but a Referer is still required).
   */
  authDomain?: string;
}

export type AccountKind = 'official_account' | 'mini_program';

/** A fake WeChat account (official account or mini program) that can authorize components. */
export interface SandboxAccountInput {
  appid: string;
  /** Original id, `gh_...`. */
  userName: string;
  nickName: string;
  kind: AccountKind;
  principalName: string;
  /** service_type_info.id: OA 0 subscription, 1 upgraded subscription, 2 service; MP 0. Default 0 (2 for OAs). */
  serviceType?: number;
  /** verify_type_info.id: -1 not verified, 0 WeChat-verified, ... Default 0. */
  verifyType?: number;
  headImg?: string;
  alias?: string;
  signature?: string;
  /** 1 normal (default), 14 deregistered, 16 banned, 18 warned, 19 frozen. Only 1 and 18 are listed on pages. */
  accountStatus?: number;
  /** The permission sets (权限集 ids) this account can grant. Default: by kind, see README. */
  funcInfo?: number[];
}

export type AuthorizedPushTiming = 'before_redirect' | 'after_redirect' | 'none';

/** Everything tunable at run time (GET/PUT /sandbox/settings). */
export interface SandboxSettings {
  /** component_access_token lifetime. Default 7200. */
  componentTokenTtlSec: number;
  /** authorizer_access_token lifetime. Default 7200. */
  authorizerTokenTtlSec: number;
  /** jsapi / wx_card ticket lifetime. Default 7200. */
  jsapiTicketTtlSec: number;
  /** How long a pushed component_verify_ticket is accepted by api_component_token. Default 43200. */
  ticketTtlSec: number;
  /** Ticket push period; 0 disables periodic pushes. Default 600000. */
  ticketPushIntervalMs: number;
  /** How long a superseded token stays valid after a newer one is issued. Default 300. */
  tokenGraceSec: number;
  /** pre_auth_code lifetime. Default 1800. */
  preAuthCodeTtlSec: number;
  /** Authorization code lifetime (redirect expires_in, AuthorizationCodeExpiredTime). Default 600. */
  authCodeTtlSec: number;
  /** Per-attempt push timeout. Default 5000. */
  pushTimeoutMs: number;
  /** Push attempts in total. Default 3. */
  pushAttempts: number;
  /** When the authorized/updateauthorized push goes out relative to the 302. Default before_redirect. */
  authorizedPushTiming: AuthorizedPushTiming;
  /** Delay of the push when authorizedPushTiming is after_redirect. Default 200. */
  afterRedirectPushDelayMs: number;
  /** `quota.daily_limit` that openapi/quota/get reports for every cgi_path. Default 10000. */
  apiDailyLimit: number;
  /** How long openapi/rid/get knows a rid (WeChat: 7 days). Default 604800. */
  ridTtlSec: number;
  /** The addresses getcallbackip lists (WeChat's push sources). Default loopback: 127.0.0.1, ::1. */
  callbackIps: string[];
}

export const DEFAULT_SETTINGS: Readonly<SandboxSettings> = Object.freeze({
  componentTokenTtlSec: 7200,
  authorizerTokenTtlSec: 7200,
  jsapiTicketTtlSec: 7200,
  ticketTtlSec: 43200,
  ticketPushIntervalMs: 600_000,
  tokenGraceSec: 300,
  preAuthCodeTtlSec: 1800,
  authCodeTtlSec: 600,
  pushTimeoutMs: 5000,
  pushAttempts: 3,
  authorizedPushTiming: 'before_redirect',
  afterRedirectPushDelayMs: 200,
  apiDailyLimit: 10_000,
  ridTtlSec: 7 * 24 * 3600,
  callbackIps: ['127.0.0.1', '::1'],
});

export interface SandboxOptions {
  /** Listening port; 0 picks a free one. Default 8081. */
  port?: number;
  /** Listening host. Default 127.0.0.1. */
  host?: string;
  components?: SandboxComponentConfig[];
  settings?: Partial<SandboxSettings>;
  accounts?: SandboxAccountInput[];
  /** Nest logger levels; default errors and warnings only. */
  logLevels?: ('log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal')[];
}

export interface SandboxHandle {
  /** Base URL, e.g. http://127.0.0.1:8081 (no trailing slash). */
  url: string;
  close(): Promise<void>;
}

export const SANDBOX_OPTIONS = Symbol('SANDBOX_OPTIONS');
