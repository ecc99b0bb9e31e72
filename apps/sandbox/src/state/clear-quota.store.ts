import { Injectable } from '@nestjs/common';
import { SandboxApiError } from '../common/sandbox-api.error.js';
import { SandboxClock } from '../common/sandbox.clock.js';
import { wechatMonth } from '../common/wechat-time.js';
import { ApiQuotaStore } from './api-quota.store.js';

const CLEAR_QUOTA_PER_MONTH = 10;

/** How many times each appid (component or account) has cleared its quota this month. */
@Injectable()
export class ClearQuotaStore {
  private uses = new Map<string, { month: string; count: number }>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly quotas: ApiQuotaStore,
  ) {}

  /**
   * Ten resets per appid per calendar month (§4.10; WeChat's month, UTC+8), then 48006. A reset
   * zeroes the appid's call counts.
   */
  use(appid: string): void {
    const month = wechatMonth(this.clock.now());
    const use = this.uses.get(appid);
    const count = use && use.month === month ? use.count : 0;
    if (count >= CLEAR_QUOTA_PER_MONTH) throw new SandboxApiError(48006);
    this.uses.set(appid, { month, count: count + 1 });
    this.quotas.clear(appid);
  }

  reset(): void {
    this.uses = new Map();
  }
}
