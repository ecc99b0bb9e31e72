import { randomBytes } from 'node:crypto';

/** A random URL-safe value of `bytes` random bytes, the stuff WeChat's tokens and codes are made of. */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
