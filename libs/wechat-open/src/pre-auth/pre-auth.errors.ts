import { WechatOpenError } from '../errors/wechat-open.error.js';

export type PreAuthErrorCode =
  | 'PRE_AUTH_SESSION_NOT_FOUND'
  | 'PRE_AUTH_SESSION_EXPIRED'
  | 'PRE_AUTH_SESSION_USED'
  | 'INVALID_RETURN_URL'
  | 'INVALID_LINK_OPTIONS'
  | 'PRE_AUTH_NOT_CONFIGURED';

/** A pre-authorization request that cannot go on; nothing was changed. */
export class PreAuthError extends WechatOpenError {
  constructor(
    override readonly code: PreAuthErrorCode,
    message: string,
    meta: WechatOpenError['meta'] = {},
  ) {
    super(code, message, meta);
  }
}
