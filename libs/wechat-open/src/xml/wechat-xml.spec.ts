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
