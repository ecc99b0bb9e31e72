import { describe, expect, it } from 'vitest';
import { pkcs7Pad, pkcs7Unpad, pkcs7UnpaddedLength, WECHAT_PAD_BLOCK } from './pkcs7.js';

describe('PKCS#7 with 32-byte blocks', () => {
  it('pads 1..32 bytes of value n, a full block when aligned, and reads the length back', () => {
    for (let length = 0; length <= 70; length++) {
      const padded = pkcs7Pad(Buffer.alloc(length, 0xaa));
      const n = WECHAT_PAD_BLOCK - (length % WECHAT_PAD_BLOCK);
      expect(padded.length).toBe(length + n);
      expect(padded.subarray(length).every((b) => b === n)).toBe(true);
      expect(pkcs7UnpaddedLength(padded)).toBe(length);
      expect(pkcs7Unpad(padded)).toEqual(Buffer.alloc(length, 0xaa));
    }
  });

  it('refuses a pad byte of 0 or above the block, longer than the data, or unequal bytes', () => {
    const refused = [
      Buffer.alloc(0),
      Buffer.from([1, 2, 0]),
      Buffer.alloc(64, 33),
      Buffer.alloc(3, 4),
      Buffer.concat([Buffer.alloc(30, 7), Buffer.from([3, 4, 4, 4])]),
      Buffer.concat([Buffer.alloc(4, 7), Buffer.from([5, 3, 3])]).subarray(1),
    ];
    for (const data of refused) {
      expect(pkcs7UnpaddedLength(data)).toBe(-1);
      expect(pkcs7Unpad(data)).toBeNull();
    }
    expect(pkcs7UnpaddedLength(Buffer.alloc(32, 32))).toBe(0);
    expect(pkcs7UnpaddedLength(Buffer.from([9, 2, 2]))).toBe(1);
  });
});
