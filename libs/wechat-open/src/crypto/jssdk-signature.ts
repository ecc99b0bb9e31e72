import { createHash } from 'node:crypto';

export interface JsSdkSignInput {
  /** jsapi_ticket of the authorizer (the official account whose page it is). */
  ticket: string;
  nonceStr: string;
  timestamp: number | string;
  /** The page URL; anything from `#` on is dropped, as WeChat requires. */
  url: string;
}

export interface JsSdkSignature {
  /** The exact string that was hashed. */
  string1: string;
  signature: string;
  /** The URL that was signed (without its fragment). */
  url: string;
  /** True when the given URL had a `#fragment` that was dropped. */
  fragmentDropped: boolean;
}

/** Drops `#` and everything after it. */
export function stripUrlFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

/** The JS-SDK `wx.config` signature of wechat-protocol.md §5: raw values, no URL encoding. */
export function signJsSdk(input: JsSdkSignInput): JsSdkSignature {
  const url = stripUrlFragment(input.url);
  const string1 =
    `jsapi_ticket=${input.ticket}&noncestr=${input.nonceStr}` +
    `&timestamp=${String(input.timestamp)}&url=${url}`;
  return {
    string1,
    signature: createHash('sha1').update(string1, 'utf8').digest('hex'),
    url,
    fragmentDropped: url.length !== input.url.length,
  };
}
