/** WeChat counts days and months in China Standard Time (UTC+8). */
const WECHAT_OFFSET_MS = 8 * 3600 * 1000;

/** `2025-06-01` in UTC+8. */
export function wechatDay(now: Date): string {
  return new Date(now.getTime() + WECHAT_OFFSET_MS).toISOString().slice(0, 10);
}

/** `2025-06` in UTC+8. */
export function wechatMonth(now: Date): string {
  return wechatDay(now).slice(0, 7);
}
