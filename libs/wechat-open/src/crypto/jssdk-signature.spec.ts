import { describe, expect, it } from 'vitest';
import vectors from '../../../../test/fixtures/test-vectors.json' with { type: 'json' };
import { signJsSdk, stripUrlFragment } from './jssdk-signature.js';

describe('JS-SDK signature', () => {
  const v = vectors.jssdk[0];

  it('reproduces the official example', () => {
    const out = signJsSdk({
      ticket: v.jsapi_ticket,
      nonceStr: v.noncestr,
      timestamp: v.timestamp,
      url: v.url,
    });
    expect(out.string1).toBe(v.string1);
    expect(out.signature).toBe(v.signature);
    expect(out.fragmentDropped).toBe(false);
  });

  it('drops the fragment before signing and says so', () => {
    const out = signJsSdk({
      ticket: v.jsapi_ticket,
      nonceStr: v.noncestr,
      timestamp: v.timestamp,
      url: `${v.url}#/route?x=1`,
    });
    expect(out.signature).toBe(v.signature);
    expect(out.fragmentDropped).toBe(true);
  });

  it('keeps the query string raw, without encoding or decoding', () => {
    expect(stripUrlFragment('https://a.example/p?q=%E4%B8%AD&x=a b#h')).toBe(
      'https://a.example/p?q=%E4%B8%AD&x=a b',
    );
  });
});
