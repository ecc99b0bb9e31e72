import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../core/resolve-options.js';
import { WechatOpenModuleOptions } from '../wechat-open.options.js';

const base = (): WechatOpenModuleOptions => ({
  components: [
    {
      appid: 'wxcomponent0000001',
      secret: 's',
      token: 't',
      encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    },
  ],
  dataKeys: [{ kid: 't1', key: Buffer.alloc(32, 7) }],
});

describe('the message options', () => {
  it('default to a 4000 ms budget, the robot test on, a day of claims', () => {
    expect(resolveOptions(base()).messages).toEqual({
      replyBudgetMs: 4000,
      fullReleaseTest: true,
      dedupeRetentionSec: 86_400,
      dedupePruneCron: '0 */10 * * * *',
    });
  });

  it.each([5000, 6000, -1, 1.5, Number.NaN])(
    'refuse a reply budget of %s (WeChat waits 5 s)',
    (replyBudgetMs) => {
      expect(() => resolveOptions({ ...base(), messages: { replyBudgetMs } })).toThrow(
        /messages\.replyBudgetMs/,
      );
    },
  );

  it('accept a budget under 5000 ms and the robot test turned off', () => {
    const { messages } = resolveOptions({
      ...base(),
      messages: { replyBudgetMs: 4999, fullReleaseTest: false },
    });
    expect(messages).toMatchObject({ replyBudgetMs: 4999, fullReleaseTest: false });
  });

  it('refuse a retention shorter than WeChat retries', () => {
    expect(() => resolveOptions({ ...base(), messages: { dedupeRetentionSec: 10 } })).toThrow(
      /dedupeRetentionSec/,
    );
  });
});
