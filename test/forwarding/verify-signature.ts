// The verification snippet of the README ("Forwarding to tenants"), as a receiver would write it:
// kept identical to the README's so that the tests prove the documented code works.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function verifyWopSignature(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  toleranceSec = 300,
): boolean {
  const timestamp = String(headers['x-wop-timestamp'] ?? '');
  const signature = String(headers['x-wop-signature'] ?? '');
  if (!/^\d+$/.test(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSec) return false; // a replay
  const expected = `sha256=${createHmac('sha256', secret)
    .update(`${timestamp}.${rawBody}`)
    .digest('hex')}`;
  const a = Buffer.from(signature);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
