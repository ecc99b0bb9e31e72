import { describe, expect, it } from 'vitest';
import type { WechatReply } from '../handlers/handler.types.js';
import { parseWechatXml } from '../xml/wechat-xml.js';
import { buildPassiveReplyXml, customerServiceBody, InvalidReplyError } from './passive-reply.js';

const to = { toUser: 'o_user', fromUser: 'gh_account', createTime: new Date(1_700_000_000_000) };

function fields(reply: WechatReply) {
  return parseWechatXml(buildPassiveReplyXml(reply, to));
}

describe('buildPassiveReplyXml', () => {
  it('swaps the addresses and writes CreateTime in seconds', () => {
    const xml = buildPassiveReplyXml({ type: 'text', content: 'hi <there> & ]]>' }, to);
    expect(xml).toContain('<ToUserName><![CDATA[o_user]]></ToUserName>');
    expect(xml).toContain('<FromUserName><![CDATA[gh_account]]></FromUserName>');
    expect(xml).toContain('<CreateTime>1700000000</CreateTime>');
    expect(parseWechatXml(xml)).toMatchObject({ MsgType: 'text', Content: 'hi <there> & ]]>' });
  });

  it('writes each media type with its element', () => {
    expect(fields({ type: 'image', mediaId: 'M1' })).toMatchObject({
      MsgType: 'image',
      Image: { MediaId: 'M1' },
    });
    expect(fields({ type: 'voice', mediaId: 'M2' })).toMatchObject({
      MsgType: 'voice',
      Voice: { MediaId: 'M2' },
    });
    expect(fields({ type: 'video', mediaId: 'M3', title: 'T' })).toEqual(
      expect.objectContaining({ MsgType: 'video', Video: { MediaId: 'M3', Title: 'T' } }),
    );
    expect(
      fields({ type: 'music', thumbMediaId: 'TH', musicUrl: 'http://m', hqMusicUrl: 'http://h' }),
    ).toMatchObject({
      MsgType: 'music',
      Music: { ThumbMediaId: 'TH', MusicUrl: 'http://m', HQMusicUrl: 'http://h' },
    });
  });

  it('writes news with ArticleCount and one item per article', () => {
    const f = fields({
      type: 'news',
      articles: [
        { title: 'A', description: 'a', picUrl: 'http://p', url: 'http://u' },
        { title: 'B' },
      ],
    });
    expect(f.MsgType).toBe('news');
    expect(f.ArticleCount).toBe('2');
    expect(f.Articles).toEqual({
      item: [{ Title: 'A', Description: 'a', PicUrl: 'http://p', Url: 'http://u' }, { Title: 'B' }],
    });
  });

  it('writes a transfer to customer service, with or without an agent', () => {
    expect(fields({ type: 'transfer_customer_service' })).toEqual(
      expect.objectContaining({ MsgType: 'transfer_customer_service' }),
    );
    expect(fields({ type: 'transfer_customer_service', kfAccount: 'kf@x' })).toMatchObject({
      TransInfo: { KfAccount: 'kf@x' },
    });
  });

  it.each([
    null,
    {},
    { type: 'text' },
    { type: 'text', content: '' },
    { type: 'image', mediaId: 3 },
    { type: 'news', articles: [] },
    { type: 'news', articles: Array.from({ length: 9 }, () => ({ title: 't' })) },
    { type: 'news', articles: [{ description: 'no title' }] },
    { type: 'location' },
  ])('refuses %j with INVALID_REPLY', (reply) => {
    expect(() => buildPassiveReplyXml(reply as unknown as WechatReply, to)).toThrow(
      InvalidReplyError,
    );
  });
});

describe('customerServiceBody', () => {
  it('builds message/custom/send bodies', () => {
    expect(customerServiceBody('o1', { type: 'text', content: 'x' })).toEqual({
      touser: 'o1',
      msgtype: 'text',
      text: { content: 'x' },
    });
    expect(customerServiceBody('o1', { type: 'image', mediaId: 'M' })).toEqual({
      touser: 'o1',
      msgtype: 'image',
      image: { media_id: 'M' },
    });
  });

  it('refuses a transfer, which is a passive reply only', () => {
    expect(() => customerServiceBody('o1', { type: 'transfer_customer_service' })).toThrow(
      InvalidReplyError,
    );
  });
});
