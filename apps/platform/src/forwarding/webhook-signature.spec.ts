import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook, verifyWebhookSignature } from './webhook-signature.js';

describe('webhook signatures', () => {
  const secret = 'whsec_test-secret';
  const body = '{"id":"d1","type":"message"}';

  it('is sha256= and the hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signWebhook(secret, '1700000000', body)).toBe(`sha256=${expected}`);
  });

  it('verifies its own signature within the tolerance, and nothing else', () => {
    const sig = signWebhook(secret, '1700000000', body);
    expect(verifyWebhookSignature(secret, '1700000000', body, sig, 1700000100)).toBe(true);
    expect(verifyWebhookSignature(secret, '1700000000', body, sig, 1700000400)).toBe(false);
    expect(verifyWebhookSignature(secret, '1700000000', `${body} `, sig, 1700000000)).toBe(false);
    expect(verifyWebhookSignature('whsec_other', '1700000000', body, sig, 1700000000)).toBe(false);
    expect(verifyWebhookSignature(secret, '1700000001', body, sig, 1700000000)).toBe(false);
    expect(verifyWebhookSignature(secret, 'x', body, sig, 1700000000)).toBe(false);
    expect(verifyWebhookSignature(secret, '1700000000', body, 'sha256=00', 1700000000)).toBe(false);
  });

  it('makes secrets of 32 random bytes behind a recognisable prefix', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
