import { WechatOpenError } from './wechat-open.error.js';

export type CryptoErrorCode =
  | 'CRYPTO_BAD_SIGNATURE'
  | 'CRYPTO_BAD_BASE64'
  | 'CRYPTO_BAD_PADDING'
  | 'CRYPTO_BAD_LAYOUT'
  | 'CRYPTO_APPID_MISMATCH'
  | 'CRYPTO_BAD_KEY';

/** A message failed verification or decryption; nothing about it should be trusted or stored. */
export class WechatCryptoError extends WechatOpenError {
  constructor(
    override readonly code: CryptoErrorCode,
    message: string,
    meta: WechatOpenError['meta'] = {},
  ) {
    super(code, message, meta);
  }
}

export type XmlErrorCode =
  | 'XML_MALFORMED'
  | 'XML_FORBIDDEN'
  | 'XML_MISSING_FIELD'
  | 'XML_BAD_FIELD'
  | 'XML_TOO_LARGE'
  | 'XML_TOO_DEEP';

/** An XML body was not a well-formed, entity-free WeChat document. */
export class WechatXmlError extends WechatOpenError {
  constructor(
    override readonly code: XmlErrorCode,
    message: string,
    meta: WechatOpenError['meta'] = {},
  ) {
    super(code, message, meta);
  }
}

export type PushErrorCode =
  'PUSH_BAD_QUERY' | 'PUSH_TIMESTAMP_OUT_OF_WINDOW' | 'PUSH_WRONG_COMPONENT';

/**
 * A push (on the event or the message URL) is unusable before or after decryption: its query,
 * its freshness, or whom it is for. Answered 4xx; nothing about it is stored.
 */
export class WechatPushError extends WechatOpenError {
  constructor(
    override readonly code: PushErrorCode,
    message: string,
    meta: WechatOpenError['meta'] = {},
  ) {
    super(code, message, meta);
  }
}
