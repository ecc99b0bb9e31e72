import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Principal } from './principal.js';

/** Rate limits per API key (AccessGuard runs first and names the key), not per address. */
@Injectable()
export class KeyThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = req.principal as Principal | undefined;
    return Promise.resolve(principal ? `key:${principal.keyId}` : `ip:${String(req.ip)}`);
  }
}
