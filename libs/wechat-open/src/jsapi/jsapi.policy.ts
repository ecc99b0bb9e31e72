import { randomInt } from 'node:crypto';
import { signJsSdk } from '../crypto/jssdk-signature.js';

/** Tickets follow the timing rules of every credential (margins scaled down for short lifetimes). */
export { refreshMarginMs, isDue as isTicketDue } from '../core/token-timing.js';

/** The `wx.config` object of wechat-protocol.md §5.2. */
export interface JsSdkConfig {
  /** The authorizer's appid (the official account whose page it is), never the component's. */
  appId: string;
  /** Unix seconds, exactly as signed. */
  timestamp: number;
  /** Exactly as signed (camelCase here, `noncestr` in the signed string). */
  nonceStr: string;
  signature: string;
  jsApiList: string[];
}

/** Builds and signs a wx.config (pure: the service supplies ticket, time and nonce). */
export function buildJsSdkConfig(input: {
  appId: string;
  ticket: string;
  url: string;
  timestamp: number;
  nonceStr: string;
  jsApiList?: readonly string[];
}): JsSdkConfig {
  const { signature } = signJsSdk({
    ticket: input.ticket,
    nonceStr: input.nonceStr,
    timestamp: input.timestamp,
    url: input.url,
  });
  return {
    appId: input.appId,
    timestamp: input.timestamp,
    nonceStr: input.nonceStr,
    signature,
    jsApiList: [...(input.jsApiList ?? [])],
  };
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random nonce of letters and digits, as WeChat recommends (card nonces: at most 32). */
export function randomNonce(length = 16): string {
  let out = '';
  for (let i = 0; i < length; i++) out += NONCE_ALPHABET[randomInt(NONCE_ALPHABET.length)];
  return out;
}

/** The first pause after a failed getticket; each further failure doubles it. */
const FIRST_RETRY_MS = 60_000;
/** The longest pause between getticket tries after ordinary failures. */
const MAX_RETRY_MS = 10 * 60_000;
/** 45009 (the account's daily quota is used up): trying again within the hour only spends more. */
export const QUOTA_RETRY_MS = 60 * 60_000;

/**
 * How long to wait before the next getticket after `failures` failures in a row: 60 s doubling
 * to 10 min, or an hour after 45009. getticket's quota is small: neither the sweep nor a request
 * may spend it on a WeChat that is failing.
 */
export function ticketRetryDelayMs(failures: number, errcode: number | null): number {
  if (errcode === 45009) return QUOTA_RETRY_MS;
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), MAX_RETRY_MS);
}

/**
 * The hostnames an account may sign pages of: its own entry, else `*`, else null (no limit).
 */
export function allowedHostsFor(
  allowedDomains: Record<string, string[]>,
  authorizerAppid: string,
): string[] | null {
  const own = Object.hasOwn(allowedDomains, authorizerAppid)
    ? allowedDomains[authorizerAppid]
    : undefined;
  const list = own ?? (Object.hasOwn(allowedDomains, '*') ? allowedDomains['*'] : undefined);
  return list ? list.map((h) => h.toLowerCase()) : null;
}

/** The page's hostname (lowercase), or null when the URL is not an absolute http(s) URL. */
export function pageHost(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return parsed.hostname.toLowerCase();
}
