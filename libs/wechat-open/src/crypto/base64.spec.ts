import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCanonicalBase64 } from './base64.js';

describe('decodeCanonicalBase64', () => {
  it('decodes canonical text of every padding length, byte for byte', () => {
    for (let n = 1; n <= 40; n++) {
      const bytes = randomBytes(n);
      expect(decodeCanonicalBase64(bytes.toString('base64'))).toEqual(bytes);
    }
    expect(decodeCanonicalBase64('+/+/')).toEqual(Buffer.from([0xfb, 0xff, 0xbf]));
  });

  it('rejects unused low bits set in the last character (a second text for the same bytes)', () => {
    // 'QQ==' is 'A'; 'QR==' .. 'QV==' decode to 'A' too under a lenient decoder.
    expect(decodeCanonicalBase64('QQ==')).toEqual(Buffer.from('A'));
    for (const text of ['QR==', 'QS==', 'QT==', 'QV==', 'QUJ=', 'QUI=']) {
      expect(Buffer.from(text, 'base64').length).toBeGreaterThan(0);
      if (text === 'QUI=') {
        expect(decodeCanonicalBase64(text)).toEqual(Buffer.from('AB'));
      } else {
        expect(decodeCanonicalBase64(text)).toBeNull();
      }
    }
  });

  it('rejects a wrong length, missing or surplus padding and the empty text', () => {
    for (const text of ['', 'Q', 'QQ', 'QQ=', 'QQ===', 'QUJD=', 'QUJDRA', 'QUJDRA=', '====']) {
      expect(decodeCanonicalBase64(text)).toBeNull();
    }
  });

  it('rejects characters outside the standard alphabet, URL-safe ones and whitespace included', () => {
    const good = Buffer.from([0xfb, 0xff, 0xbf, 1, 2, 3]).toString('base64');
    expect(good).toBe('+/+/AQID');
    for (const text of [
      '-_-_AQID',
      '+/+/AQI!',
      '+/+/ AQI',
      '+/+/\nAQI',
      '+/+/AQ=D',
      '+/+/AQI\u00e9',
      '+/+/AQI\u0000',
    ]) {
      expect(decodeCanonicalBase64(text)).toBeNull();
    }
  });
});
