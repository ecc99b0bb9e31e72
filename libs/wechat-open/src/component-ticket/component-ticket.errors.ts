import { WechatOpenError } from '../errors/wechat-open.error.js';

/** No verify ticket has been received for the component yet: nothing can be minted. */
export class VerifyTicketMissingError extends WechatOpenError {
  constructor(componentAppid: string) {
    super('VERIFY_TICKET_MISSING', 'no component_verify_ticket has been received yet', {
      componentAppid,
    });
  }
}

/** Another instance held the minting lease and did not produce a token in time. */
export class ComponentTokenUnavailableError extends WechatOpenError {
  constructor(componentAppid: string) {
    super('COMPONENT_TOKEN_UNAVAILABLE', 'timed out waiting for the component token', {
      componentAppid,
    });
  }
}

/**
 * WeChat refused the stored verify ticket (61005 expired, 61006 invalid): it is not sent again,
 * and no token can be minted until WeChat pushes a newer one (asked for already).
 */
export class VerifyTicketRejectedError extends WechatOpenError {
  constructor(componentAppid: string, errcode: number) {
    super(
      'VERIFY_TICKET_REJECTED',
      `WeChat refused the stored component_verify_ticket (${errcode}); waiting for a newer push`,
      { componentAppid, errcode },
    );
  }
}
