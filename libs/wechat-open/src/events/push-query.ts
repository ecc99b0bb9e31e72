import { EnvelopeQuery } from '../crypto/message-crypto.js';
import { WechatPushError } from '../errors/crypto.errors.js';

/** The query parameters WeChat signs a push with, each with the only shape it may take. */
const FORMATS: Record<string, RegExp> = {
  timestamp: /^[0-9]{1,12}$/,
  nonce: /^[A-Za-z0-9_-]{1,64}$/,
  msg_signature: /^[0-9A-Fa-f]{40}$/,
  signature: /^[0-9A-Fa-f]{40}$/,
};
const REQUIRED = ['timestamp', 'nonce', 'msg_signature'];

/**
 * Reads a push's query string defensively: every parameter we use appears once and has its
 * shape (a repeated `msg_signature=a&msg_signature=b` arrives as an array: refused, not used).
 */
export function readPushQuery(raw: unknown): EnvelopeQuery {
  const query = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const value = (name: string): string | undefined => {
    if (!Object.hasOwn(query, name)) return undefined;
    const v = query[name];
    if (typeof v !== 'string') {
      throw new WechatPushError('PUSH_BAD_QUERY', `query parameter ${name} must appear once`, {
        parameter: name,
      });
    }
    if (!FORMATS[name].test(v)) {
      throw new WechatPushError('PUSH_BAD_QUERY', `query parameter ${name} is malformed`, {
        parameter: name,
      });
    }
    return v;
  };
  const read = Object.fromEntries(Object.keys(FORMATS).map((k) => [k, value(k)]));
  const missing = REQUIRED.filter((k) => read[k] === undefined);
  if (missing.length > 0) {
    throw new WechatPushError('PUSH_BAD_QUERY', `${missing.join(', ')} required`, {
      missing: missing.join(','),
    });
  }
  return {
    timestamp: read.timestamp!,
    nonce: read.nonce!,
    msgSignature: read.msg_signature!.toLowerCase(),
    signature: read.signature?.toLowerCase(),
  };
}

/**
 * Refuses a push signed too long ago or too far ahead: a captured push replayed later is
 * refused even though its signature is good. `windowSec` 0 turns the check off.
 */
export function checkFreshness(timestamp: string, nowMs: number, windowSec: number): void {
  if (windowSec <= 0) return;
  const skewSec = Math.abs(nowMs / 1000 - Number(timestamp));
  if (!(skewSec <= windowSec)) {
    throw new WechatPushError(
      'PUSH_TIMESTAMP_OUT_OF_WINDOW',
      `the push was signed ${Math.round(skewSec)} s away from now (window ${windowSec} s)`,
      { windowSec },
    );
  }
}
