import { randomInt } from 'node:crypto';
import { signJsSdk } from '../crypto/jssdk-signature.js';

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

/**
 * How long before expiry a ticket is refreshed. Short lifetimes (tests, the sandbox) scale the
 * margin down to a quarter of the lifetime, as authorizer tokens do, so a fresh ticket is never
 * already due.
 */
export function refreshMarginMs(lifetimeMs: number, marginSec: number): number {
  return Math.min(marginSec * 1000, Math.max(0, lifetimeMs) * 0.25);
}

/** Whether a ticket expiring at `expiresAtMs` after a `lifetimeMs` life should be refreshed now. */
export function isTicketDue(
  nowMs: number,
  expiresAtMs: number,
  lifetimeMs: number,
  marginSec: number,
): boolean {
  return expiresAtMs - refreshMarginMs(lifetimeMs, marginSec) <= nowMs;
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
