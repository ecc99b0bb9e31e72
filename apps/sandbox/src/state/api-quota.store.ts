import { Injectable } from '@nestjs/common';
import { SandboxClock } from '../common/sandbox.clock.js';
import { wechatDay } from '../common/wechat-time.js';

/**
 * Calls counted against each appid's daily quota, per cgi_path and WeChat day (UTC+8): a call
 * with a component token counts for the component, with an authorizer token for the account
 * (WeChat: calls made on an account's behalf spend the account's quota). Reported by
 * openapi/quota/get, zeroed by clear_quota. Nothing is refused for going over.
 */
@Injectable()
export class ApiQuotaStore {
  private used = new Map<string, { day: string; count: number }>();

  constructor(private readonly clock: SandboxClock) {}

  count(appid: string, cgiPath: string): void {
    const key = `${appid} ${cgiPath}`;
    const day = wechatDay(this.clock.now());
    const entry = this.used.get(key);
    this.used.set(key, { day, count: (entry?.day === day ? entry.count : 0) + 1 });
  }

  usedToday(appid: string, cgiPath: string): number {
    const entry = this.used.get(`${appid} ${cgiPath}`);
    return entry?.day === wechatDay(this.clock.now()) ? entry.count : 0;
  }

  /** clear_quota: every count of the appid back to zero. */
  clear(appid: string): void {
    for (const key of [...this.used.keys()]) if (key.startsWith(`${appid} `)) this.used.delete(key);
  }

  reset(): void {
    this.used = new Map();
  }
}
