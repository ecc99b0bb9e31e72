import { WechatOpenError } from '../errors/wechat-open.error.js';
import { JsApiTicketType } from './jsapi-ticket.entity.js';

/** The page URL's host is not in the account's allowed JS-SDK domains (option jsapi.allowedDomains). */
export class JsSdkUrlNotAllowedError extends WechatOpenError {
  constructor(authorizerAppid: string, host: string) {
    super(
      'JSSDK_URL_NOT_ALLOWED',
      'the page URL is not on an allowed JS-SDK domain of this account',
      {
        authorizerAppid,
        host,
      },
    );
  }
}

/** The page URL cannot be signed: not an absolute http(s) URL. */
export class JsSdkUrlInvalidError extends WechatOpenError {
  constructor(authorizerAppid: string) {
    super('JSSDK_URL_INVALID', 'the page URL must be an absolute http(s) URL', { authorizerAppid });
  }
}

/** No usable ticket: another instance held the fetch lease too long, or WeChat gave none. */
export class JsApiTicketUnavailableError extends WechatOpenError {
  constructor(
    authorizerAppid: string,
    ticketType: JsApiTicketType,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      'JSAPI_TICKET_UNAVAILABLE',
      `no usable ${ticketType} ticket: ${reason}`,
      { authorizerAppid, ticketType },
      options,
    );
  }
}
