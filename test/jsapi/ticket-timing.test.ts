import { describe, expect, it } from 'vitest';
import { WechatOpenModuleOptions } from '@app/wechat-open';
import { resolveOptions } from '../../libs/wechat-open/src/core/resolve-options.js';
import { newComponent } from '../support/stack.js';

const base = (): WechatOpenModuleOptions => ({
  components: [newComponent()],
  dataKeys: [{ kid: 't1', key: Buffer.alloc(32, 7) }],
});

describe('JS-SDK ticket timing at start-up', () => {
  it('accepts the defaults and a margin above the minimum remaining time', () => {
    expect(resolveOptions(base()).jsapi.refreshMarginSec).toBe(600);
    expect(() =>
      resolveOptions({ ...base(), minTokenRemainingSec: 1, jsapi: { refreshMarginSec: 2 } }),
    ).not.toThrow();
  });

  it('refuses a ticket that would be unusable before it comes due, and a margin past its life', () => {
    for (const [jsapi, minTokenRemainingSec] of [
      [{ refreshMarginSec: 60 }, 60],
      [{ refreshMarginSec: 30 }, undefined],
      [{ refreshMarginSec: 7200 }, undefined],
      [{ refreshMarginSec: 0 }, undefined],
    ] as const) {
      expect(() => resolveOptions({ ...base(), jsapi, minTokenRemainingSec })).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID_TIMING',
          message: expect.stringContaining('JS-SDK ticket') as string,
        }),
      );
    }
  });
});
