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

/**
 * A critical host handler (`@OnComponentEvent(filter, { critical: true })`) failed: WeChat is
 * answered 503 and pushes again; the retry runs the critical handlers that have not succeeded.
 */
export class ComponentEventHandlerFailedError extends WechatOpenError {
  constructor(handler: string, options?: { cause?: unknown }) {
    super(
      'EVENT_HANDLER_FAILED',
      'a critical event handler failed; WeChat will retry',
      { handler },
      options,
    );
  }
}
