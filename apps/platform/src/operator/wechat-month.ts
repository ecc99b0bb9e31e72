/** WeChat counts quota resets per calendar month in China Standard Time (UTC+8, no DST). */
const WECHAT_OFFSET_MS = 8 * 3600 * 1000;

/** WeChat's calendar month around `now`: its label (`2025-06`) and its bounds as instants. */
export interface WechatMonth {
  label: string;
  start: Date;
  /** The start of the next month (exclusive). */
  end: Date;
}

export function wechatMonth(now: Date): WechatMonth {
  const local = new Date(now.getTime() + WECHAT_OFFSET_MS);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth();
  return {
    label: `${year}-${String(month + 1).padStart(2, '0')}`,
    start: new Date(Date.UTC(year, month, 1) - WECHAT_OFFSET_MS),
    end: new Date(Date.UTC(year, month + 1, 1) - WECHAT_OFFSET_MS),
  };
}
