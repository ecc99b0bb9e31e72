import { randomBytes } from 'node:crypto';

/** WeChat's usual errmsg for each errcode the sandbox serves. */
const ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40003: 'invalid openid',
  40008: 'invalid message type',
  40013: 'invalid appid',
  40066: 'invalid url',
  40097: 'invalid args',
  40125: 'invalid appsecret',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'appsecret missing',
  42001: 'access_token expired',
  43004: 'require subscribe',
  45009: 'reach max api daily quota limit',
  47001: 'data format error',
  48001: 'api unauthorized',
  48006: 'forbid to clear quota because of reaching the limit',
  61003: 'component is not authorized by this account',
  61005: 'component ticket is expired',
  61006: 'component ticket is invalid',
  61009: 'code is invalid',
  61010: 'code is expired',
  61011: 'invalid component',
  61023: 'refresh_token is invalid',
  76001: 'rid not found',
  76002: 'rid is error',
  76003: 'rid does not belong to this account',
  76021: 'cgi_path not found, please check',
  76022: 'could not use this cgi_path, no permission',
};

export function errmsgOf(errcode: number): string {
  return ERRMSG[errcode] ?? 'sandbox error';
}

/** WeChat's request id suffix, so clients that log `rid` see something plausible. */
export function rid(): string {
  return `${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;
}

/** An error WeChat answers as HTTP 200 `{errcode, errmsg}`. */
export class SandboxApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly detail?: string,
  ) {
    super(`${errmsgOf(errcode)}${detail ? `: ${detail}` : ''}`);
    this.name = 'SandboxApiError';
  }

  /** The answer, its errmsg ending in `rid: ...` (the filter remembers it for getRidInfo). */
  toBody(requestId: string = rid()): { errcode: number; errmsg: string } {
    return { errcode: this.errcode, errmsg: `${this.message} rid: ${requestId}` };
  }
}

/** An injected non-200 answer (fault injection). */
export class InjectedHttpFault extends Error {
  constructor(
    readonly status: number,
    readonly errcode?: number,
  ) {
    super(`sandbox injected HTTP ${status}`);
    this.name = 'InjectedHttpFault';
  }
}

/** A hung request released because the client went away or the sandbox is closing. */
export class HangReleased extends Error {
  constructor() {
    super('hung request released');
    this.name = 'HangReleased';
  }
}

/** An authorization page error: an HTML page with this HTTP status. */
export class AuthPageError extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    message: string,
    readonly errcode?: number,
  ) {
    super(message);
    this.name = 'AuthPageError';
  }
}
