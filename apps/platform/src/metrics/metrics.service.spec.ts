import { describe, expect, it } from 'vitest';
import { WechatApiError, WechatOpenError } from '@app/wechat-open';
import { errorLabel, resultLabel } from './metrics.service.js';

describe('metric labels', () => {
  it('keeps ok, unavailable and the errcodes it knows; any other errcode is other', () => {
    expect(
      ['ok', 'unavailable', '-1', '40001', '45009', '61003', '61023'].map(resultLabel),
    ).toEqual(['ok', 'unavailable', '-1', '40001', '45009', '61003', '61023']);
    expect(['99999', '0', 'junk', '40001 ', ''].map(resultLabel)).toEqual([
      'other',
      'other',
      'other',
      'other',
      'other',
    ]);
  });

  it("folds WeChat's errcodes into WECHAT_ERROR and anything not ours into INTERNAL", () => {
    expect(errorLabel(new WechatApiError('api_query_auth', 61009, 'code invalid'))).toBe(
      'WECHAT_ERROR',
    );
    expect(errorLabel(new Error('boom'))).toBe('INTERNAL');
    expect(errorLabel(new WechatOpenError('UNKNOWN_COMPONENT', 'x'))).toBe('UNKNOWN_COMPONENT');
  });
});
