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
