import { describe, expect, it } from 'vitest';
import { WechatXmlError } from '../errors/crypto.errors.js';
import { buildWechatXml, parseWechatXml, requireField } from './wechat-xml.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof WechatXmlError ? error.code : 'other';
  }
  return undefined;
}

describe('parseWechatXml', () => {
  it('reads CDATA and plain fields as strings', () => {
    const f = parseWechatXml(
      '<xml><AppId><![CDATA[wx1]]></AppId>\n<CreateTime>1413192605</CreateTime></xml>',
    );
    expect(f).toEqual({ AppId: 'wx1', CreateTime: '1413192605' });
  });

  it('refuses DOCTYPE and entity declarations (XXE, billion laughs)', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><A>&e;</A></xml>';
    expect(codeOf(() => parseWechatXml(xxe))).toBe('XML_FORBIDDEN');
    expect(codeOf(() => parseWechatXml('<!doctype xml><xml></xml>'))).toBe('XML_FORBIDDEN');
  });

  it('refuses malformed documents, a missing root and oversize bodies', () => {
    expect(codeOf(() => parseWechatXml('<xml><A>1</B></xml>'))).toBe('XML_MALFORMED');
    expect(codeOf(() => parseWechatXml('<root><A>1</A></root>'))).toBe('XML_MALFORMED');
    expect(codeOf(() => parseWechatXml(`<xml><A>${'a'.repeat(100)}</A></xml>`, 50))).toBe(
      'XML_TOO_LARGE',
    );
  });

  it('names a missing field', () => {
    expect(codeOf(() => requireField(parseWechatXml('<xml><A>1</A></xml>'), 'Encrypt'))).toBe(
      'XML_MISSING_FIELD',
    );
  });

  it('builds WeChat-style XML that parses back', () => {
    const xml = buildWechatXml({ ToUserName: 'gh_1', CreateTime: 12, Content: 'a]]>b' });
    expect(xml.startsWith('<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>12<')).toBe(
      true,
    );
    expect(parseWechatXml(xml)).toEqual({ ToUserName: 'gh_1', CreateTime: '12', Content: 'a]]>b' });
  });
});

describe('parseWechatXml under hostile input', () => {
  it('refuses deep nesting with XML_TOO_DEEP, however deep', () => {
    for (const depth of [20, 400, 20_000]) {
      const body = `<xml>${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}</xml>`;
      expect(
        codeOf(() => parseWechatXml(body, 1 << 20)),
        String(depth),
      ).toBe('XML_TOO_DEEP');
    }
    const info = '<xml><info><name>n</name><code>1</code></info></xml>';
    expect(parseWechatXml(info)).toEqual({ info: { name: 'n', code: '1' } });
  });

  it('refuses reserved element names (__proto__, constructor, prototype) as XML_FORBIDDEN', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      expect(
        codeOf(() => parseWechatXml(`<xml><${name}>1</${name}></xml>`)),
        name,
      ).toBe('XML_FORBIDDEN');
    }
  });

  it('never quotes the document in its errors (it may be decrypted content)', () => {
    const secret = 'ticket@@@s3cr3tTicketValue';
    for (const body of [
      `<xml><${secret}>1</B></xml>`,
      `<xml><A>${secret}</B></xml>`,
      `<xml><A x="${secret}>1</A></xml>`,
    ]) {
      try {
        parseWechatXml(body);
      } catch (error) {
        const e = error as WechatXmlError;
        expect(e.code).toBe('XML_MALFORMED');
        expect(JSON.stringify({ m: e.message, meta: e.meta })).not.toContain('s3cr3t');
        continue;
      }
      throw new Error(`accepted ${body}`);
    }
  });
});
