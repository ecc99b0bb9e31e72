/** WeChat pads to 32-byte blocks, not AES's 16 (§3.2). */
export const WECHAT_PAD_BLOCK = 32;

export function pkcs7Pad(data: Buffer, block = WECHAT_PAD_BLOCK): Buffer {
  const n = block - (data.length % block);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

/** Returns the unpadded data, or null when the padding is not valid PKCS#7 for `block`. */
export function pkcs7Unpad(data: Buffer, block = WECHAT_PAD_BLOCK): Buffer | null {
  if (data.length === 0) return null;
  const n = data[data.length - 1];
  if (n < 1 || n > block || n > data.length) return null;
  for (let i = data.length - n; i < data.length; i++) if (data[i] !== n) return null;
  return data.subarray(0, data.length - n);
}
