/** WeChat pads to 32-byte blocks, not AES's 16 (§3.2). */
export const WECHAT_PAD_BLOCK = 32;

export function pkcs7Pad(data: Buffer, block = WECHAT_PAD_BLOCK): Buffer {
  const n = block - (data.length % block);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

/** Returns the unpadded data, or null when the padding is not valid PKCS#7 for `block`. */
export function pkcs7Unpad(data: Buffer, block = WECHAT_PAD_BLOCK): Buffer | null {
  const length = pkcs7UnpaddedLength(data, block);
  return length < 0 ? null : data.subarray(0, length);
}

/**
 * The length of the data before its PKCS#7 padding for `block`, or -1 when the padding is not
 * valid: every one of the last `n` bytes equal to `n`, with `n` in 1..block. Reading the length
 * spares the hot path a Buffer view.
 */
export function pkcs7UnpaddedLength(data: Uint8Array, block = WECHAT_PAD_BLOCK): number {
  if (data.length === 0) return -1;
  const n = data[data.length - 1];
  if (n < 1 || n > block || n > data.length) return -1;
  for (let i = data.length - n; i < data.length; i++) if (data[i] !== n) return -1;
  return data.length - n;
}
