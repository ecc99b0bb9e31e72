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
  'XML_MALFORMED' | 'XML_FORBIDDEN' | 'XML_MISSING_FIELD' | 'XML_TOO_LARGE';

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
