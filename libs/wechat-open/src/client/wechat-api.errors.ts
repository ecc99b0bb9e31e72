import { WechatOpenError } from '../errors/wechat-open.error.js';

/** errcodes that mean "the token used in this call is not (or no longer) valid" (§7). */
export const TOKEN_INVALID_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);
/** errcodes that are configuration faults: retrying cannot help (§7). */
export const CONFIGURATION_ERRCODES: ReadonlySet<number> = new Set([
  61004, 40013, 40125, 41004, 61011, 40164, 61024,
]);
/** errcodes worth retrying after a pause: WeChat is busy. */
export const TRANSIENT_ERRCODES: ReadonlySet<number> = new Set([-1]);

/** WeChat answered with a non-zero errcode. `errmsg` has WeChat's rid for its support, no secret. */
export class WechatApiError extends WechatOpenError {
  constructor(
    readonly endpoint: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(
      `WECHAT_${errcode < 0 ? 'M' : ''}${Math.abs(errcode)}`,
      `${endpoint}: ${errcode} ${errmsg}`,
      {
        endpoint,
        errcode,
      },
    );
  }

  get tokenInvalid(): boolean {
    return TOKEN_INVALID_ERRCODES.has(this.errcode);
  }

  get configuration(): boolean {
    return CONFIGURATION_ERRCODES.has(this.errcode);
  }

  get transient(): boolean {
    return TRANSIENT_ERRCODES.has(this.errcode);
  }
}

/**
 * 61004: WeChat refused the call because it came from an address that is not on the platform's
 * IP whitelist. A configuration error (never retried): add the egress address WeChat saw (it is
 * in `errmsg`; a fixed egress proxy's, when calls go through one) in WeChat's console.
 */
export class WechatIpNotWhitelistedError extends WechatApiError {
  constructor(endpoint: string, errmsg: string) {
    super(endpoint, 61004, errmsg);
    this.message =
      `${endpoint}: 61004 ${errmsg} - the caller's egress IP is not on the platform's IP ` +
      "whitelist: add it in WeChat's Open Platform console (third-party platform > " +
      'development settings > IP whitelist), or send WeChat traffic through a whitelisted proxy';
  }
}

/** The typed error for a non-zero errcode. */
export function wechatApiError(endpoint: string, errcode: number, errmsg: string): WechatApiError {
  return errcode === 61004
    ? new WechatIpNotWhitelistedError(endpoint, errmsg)
    : new WechatApiError(endpoint, errcode, errmsg);
}

/** WeChat could not be reached, timed out, or answered with an HTTP error or a non-JSON body. */
export class WechatUnavailableError extends WechatOpenError {
  /**
   * True when the request may have reached WeChat and succeeded there (it timed out waiting for
   * the answer). For a token refresh that means a new token may exist that we never saw, and it
   * will invalidate the stored one after WeChat's grace period: refresh again soon.
   */
  readonly outcomeUnknown: boolean;

  constructor(
    endpoint: string,
    reason: string,
    options?: { cause?: unknown; outcomeUnknown?: boolean },
  ) {
    super('WECHAT_UNAVAILABLE', `${endpoint}: ${reason}`, { endpoint }, options);
    this.outcomeUnknown = options?.outcomeUnknown ?? false;
  }
}

/**
 * WeChat's quota for this call is used up (45009) and the call is paused until `retryAt`: the
 * library refuses without calling WeChat again. Nothing a retry now could fix.
 */
export class WechatQuotaExhaustedError extends WechatOpenError {
  constructor(
    endpoint: string,
    readonly retryAt: Date | null,
    subject?: string,
  ) {
    super(
      'WECHAT_QUOTA_EXHAUSTED',
      `${endpoint}: WeChat's daily quota is exhausted (45009)` +
        (retryAt ? `; paused until ${retryAt.toISOString()}` : ''),
      { endpoint, subject },
    );
  }
}

export function isTokenInvalid(error: unknown): error is WechatApiError {
  return error instanceof WechatApiError && error.tokenInvalid;
}
