import { WechatOpenError } from '../errors/wechat-open.error.js';

/**
 * The decrypted message is for another account than the URL names: its ToUserName is not the
 * account's original id (or the envelope's ToUserName differs from the encrypted one). Answered
 * 400, nothing handled or stored.
 */
export class MessageWrongAccountError extends WechatOpenError {
  constructor(authorizerAppid: string, reason: string) {
    super('PUSH_WRONG_ACCOUNT', `the message is not for this account: ${reason}`, {
      authorizerAppid,
    });
  }
}

/**
 * A critical message handler (`@OnWechatMessage(filter, { critical: true })`) failed: WeChat is
 * answered 503, so it delivers the message again, and the deduplication claim was released so
 * the retry runs the handlers again.
 */
export class MessageHandlerFailedError extends WechatOpenError {
  constructor(handler: string, options?: { cause?: unknown }) {
    super(
      'MESSAGE_HANDLER_FAILED',
      'a critical message handler failed; WeChat will retry',
      { handler },
      options,
    );
  }
}
