import { createHash } from 'node:crypto';

/** How codes are kept (authorization codes, pre_auth_codes): hashed, never in clear. */
export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
