import { Injectable } from '@nestjs/common';
import { SandboxApiError } from '../common/sandbox-api.error.js';
import { SandboxClock } from '../common/sandbox.clock.js';

const CLEAR_QUOTA_PER_MONTH = 10;

/** How many times each appid (component or account) has cleared its quota this month. */
@Injectable()
export class ClearQuotaStore {
  private uses = new Map<string, { month: string; count: number }>();

  constructor(private readonly clock: SandboxClock) {}

  /** Ten resets per appid per calendar month (§4.10), then 48006. */
  use(appid: string): void {
    const month = this.clock.now().toISOString().slice(0, 7);
    const use = this.uses.get(appid);
    const count = use && use.month === month ? use.count : 0;
    if (count >= CLEAR_QUOTA_PER_MONTH) throw new SandboxApiError(48006);
    this.uses.set(appid, { month, count: count + 1 });
  }

  reset(): void {
    this.uses = new Map();
  }
}
