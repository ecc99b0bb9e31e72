import { describe, expect, it } from 'vitest';
import { WechatPushError } from '../errors/crypto.errors.js';
import { checkFreshness, readPushQuery } from './push-query.js';

const sig = 'a'.repeat(40);
const good = { timestamp: '1700000000', nonce: '12345', msg_signature: sig.toUpperCase() };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof WechatPushError ? error.code : 'other';
  }
  return undefined;
}

describe('readPushQuery', () => {
  it('reads the signed parameters, lower-casing the signatures', () => {
    expect(readPushQuery({ ...good, signature: sig, encrypt_type: 'aes' })).toEqual({
      timestamp: '1700000000',
      nonce: '12345',
      msgSignature: sig,
      signature: sig,
    });
  });

  it('refuses a repeated, missing or malformed parameter, and a query that is not an object', () => {
    expect(codeOf(() => readPushQuery({ ...good, msg_signature: [sig, sig] }))).toBe(
      'PUSH_BAD_QUERY',
    );
    expect(codeOf(() => readPushQuery({ ...good, nonce: undefined }))).toBe('PUSH_BAD_QUERY');
    expect(codeOf(() => readPushQuery({ ...good, timestamp: '1e9' }))).toBe('PUSH_BAD_QUERY');
    expect(codeOf(() => readPushQuery({ ...good, signature: 'zz' }))).toBe('PUSH_BAD_QUERY');
    expect(codeOf(() => readPushQuery(null))).toBe('PUSH_BAD_QUERY');
    expect(codeOf(() => readPushQuery('timestamp=1'))).toBe('PUSH_BAD_QUERY');
  });
});

describe('checkFreshness', () => {
  const now = 1_700_000_000_000;
  it('accepts a timestamp inside the window either way and refuses one outside', () => {
    expect(codeOf(() => checkFreshness('1700000300', now, 300))).toBeUndefined();
    expect(codeOf(() => checkFreshness('1699999700', now, 300))).toBeUndefined();
    expect(codeOf(() => checkFreshness('1700000301', now, 300))).toBe(
      'PUSH_TIMESTAMP_OUT_OF_WINDOW',
    );
    expect(codeOf(() => checkFreshness('1699999699', now, 300))).toBe(
      'PUSH_TIMESTAMP_OUT_OF_WINDOW',
    );
  });

  it('is off with a window of 0', () => {
    expect(codeOf(() => checkFreshness('1', now, 0))).toBeUndefined();
  });
});
