import { describe, expect, it } from 'vitest';
import { wechatMonth } from './wechat-month.js';

describe('wechatMonth', () => {
  it('is the calendar month in UTC+8: the 1st starts at 16:00 UTC the day before', () => {
    expect(wechatMonth(new Date('2025-06-30T15:59:59.999Z'))).toEqual({
      label: '2025-06',
      start: new Date('2025-05-31T16:00:00.000Z'),
      end: new Date('2025-06-30T16:00:00.000Z'),
    });
    expect(wechatMonth(new Date('2025-06-30T16:00:00.000Z')).label).toBe('2025-07');
  });

  it('rolls over the year', () => {
    expect(wechatMonth(new Date('2025-12-31T17:00:00Z'))).toEqual({
      label: '2026-01',
      start: new Date('2025-12-31T16:00:00.000Z'),
      end: new Date('2026-01-31T16:00:00.000Z'),
    });
  });
});
