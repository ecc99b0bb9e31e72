import { WechatOpenError } from '../errors/wechat-open.error.js';

/** No stored push with this id for this component. */
export class EventNotFoundError extends WechatOpenError {
  constructor(componentAppid: string, eventId: string) {
    super('EVENT_NOT_FOUND', 'no such event for this component', {
      componentAppid,
      eventId: eventId.slice(0, 40),
    });
  }
}

/**
 * The stored push cannot be run again: the event log keeps it redacted, and what its handler
 * needs (an authorization code, a verify ticket) was a credential, never stored.
 */
export class EventNotReplayableError extends WechatOpenError {
  constructor(eventId: string, infoType: string, reason: string) {
    super('EVENT_NOT_REPLAYABLE', `the event cannot be replayed: ${reason}`, {
      eventId,
      infoType,
    });
  }
}
