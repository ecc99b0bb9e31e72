import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of every webhook signing secret (tells a leaked string's origin at a glance). */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` and 32 random bytes in base64url. Shown once, stored sealed. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * The `X-Wop-Signature` value: `sha256=` and the hex HMAC-SHA256, keyed with the whole secret
 * string (UTF-8), of `<X-Wop-Timestamp>.<raw body>`.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `sha256=${mac}`;
}

/**
 * What a receiver checks (the README's snippet does the same): the signature matches, compared
 * in constant time, and the timestamp is within `toleranceSec` of `nowSec` (a replayed delivery).
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  nowSec: number,
  toleranceSec = 300,
): boolean {
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowSec - Number(timestamp)) > toleranceSec) {
    return false;
  }
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
