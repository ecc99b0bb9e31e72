import { describe, expect, it } from 'vitest';
import { displayPrefixOf, newApiKey, parseApiKey, secretMatches } from './api-key.codec.js';

describe('API key codec', () => {
  it('round-trips a new key: kind, id and secret come back, and only the secret matches', () => {
    const made = newApiKey('service');
    expect(made.key).toMatch(/^wop_sv_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/);
    expect(made.key.startsWith(`${made.displayPrefix}_`)).toBe(true);
    const parsed = parseApiKey(made.key)!;
    expect(parsed).toMatchObject({ kind: 'service', id: made.id });
    expect(secretMatches(parsed.secret, made.secretHash)).toBe(true);
    const flipped = parsed.secret.slice(0, -1) + (parsed.secret.endsWith('A') ? 'B' : 'A');
    expect(secretMatches(flipped, made.secretHash)).toBe(false);
    expect(displayPrefixOf('service', made.id)).toBe(made.displayPrefix);
  });

  it('tags each kind in the key', () => {
    expect(newApiKey('operator').key.startsWith('wop_op_')).toBe(true);
    expect(newApiKey('tenant').key.startsWith('wop_tn_')).toBe(true);
  });

  it('refuses anything that is not exactly a key', () => {
    const { key } = newApiKey('tenant');
    for (const bad of [
      '',
      'wop_tn_',
      key.slice(0, -1),
      `${key}x`,
      key.replace('wop_tn', 'wop_xx'),
      ` ${key}`,
    ])
      expect(parseApiKey(bad)).toBeNull();
  });

  it('a different secret does not match', () => {
    const a = newApiKey('tenant');
    const b = newApiKey('tenant');
    expect(secretMatches(parseApiKey(b.key)!.secret, a.secretHash)).toBe(false);
  });
});
