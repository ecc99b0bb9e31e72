import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  msgSignature,
  plainSignature,
  signatureMatches,
  sortedSha1,
} from './signature.js';

const reference = (parts: string[]) =>
  createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');

describe('signatures over sorted parts', () => {
  const samples = [
    ['token', '1409304348', 'xxxxxx', 'jn1L23DB+6ELqJ+6'],
    ['b', 'a', 'c', 'a'],
    ['Z', 'a', '+', '/'],
    ['', '0', '00', '1'],
    ['same', 'same', 'same', 'same'],
    ['\u00e9', 'e', 'E', 'é'],
  ];

  it.each(samples)('agree with sorting by Array.prototype.sort (%s, %s, %s, %s)', (a, b, c, d) => {
    expect(msgSignature(a, b, c, d)).toBe(reference([a, b, c, d]));
    expect(plainSignature(a, b, c)).toBe(reference([a, b, c]));
    expect(sortedSha1([d, c, b, a])).toBe(reference([a, b, c, d]));
  });
});

describe('signatureMatches', () => {
  const hex = msgSignature('token', '1409304348', 'xxxxxx', 'abc');

  it('accepts the hex digest in either case', () => {
    expect(signatureMatches(hex, hex)).toBe(true);
    expect(signatureMatches(hex, hex.toUpperCase())).toBe(true);
  });

  it('agrees with constantTimeEqual on the lowercased text for hostile inputs', () => {
    const flipped = `${hex.slice(0, 39)}${hex[39] === '0' ? '1' : '0'}`;
    for (const given of [
      flipped,
      '',
      hex.slice(0, 38),
      `${hex}00`,
      `${hex.slice(0, 38)}zz`,
      `${hex.slice(0, 38)}0`,
      `${hex.slice(0, 20)} ${hex.slice(21)}`,
      `\u0130${hex.slice(1)}`,
      `\u0010${hex.slice(1)}`,
      `${hex.slice(0, 39)}\u0000`,
      hex.toUpperCase(),
      hex,
    ]) {
      expect(signatureMatches(hex, given)).toBe(constantTimeEqual(hex, given.toLowerCase()));
    }
  });
});
