import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signCard, signCardValues, signChooseCard } from './card-signature.js';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

describe('card signature', () => {
  // The worked example of the JS-SDK doc, 附录4 "签名说明" item 4.
  it('reproduces the official cardExt example', () => {
    const out = signCard({
      apiTicket: 'ojZ8YtyVyr30HheH3CM73y7h4jJE',
      timestamp: 1404896688,
      nonceStr: '123',
      cardId: 'pjZ8Yt1XGILfi-FUsewpnnolGgZk',
      code: '1434008071',
    });
    expect(out.string1).toBe(
      '12314048966881434008071ojZ8YtyVyr30HheH3CM73y7h4jJEpjZ8Yt1XGILfi-FUsewpnnolGgZk',
    );
    expect(out.signature).toBe('f137ab68b7f8112d20ee528ab6074564e2796250');
  });

  it('sorts by value, not by field name, and drops absent fields', () => {
    const out = signCard({
      apiTicket: 'b',
      timestamp: '3',
      nonceStr: 'a',
      cardId: 'C',
      openid: undefined,
    });
    expect(out.string1).toBe('3Cab'); // ordinal: digits < upper case < lower case
    expect(out.signature).toBe(sha1('3Cab'));
  });

  it('is independent of argument order and treats numbers as their decimal text', () => {
    expect(signCardValues(['x', 10, 'A'])).toEqual(signCardValues(['A', 'x', '10']));
  });

  it('signs wx.chooseCard with appid, location and card type', () => {
    const out = signChooseCard({
      apiTicket: 'TICKET',
      appId: 'wx7f4447867a74c900',
      timestamp: 1573537940,
      nonceStr: '667203012',
      locationId: '0',
      cardId: '0',
      cardType: '0',
    });
    expect(out.string1).toBe('0001573537940667203012TICKETwx7f4447867a74c900');
    expect(out.signature).toBe(sha1(out.string1));
  });
});
