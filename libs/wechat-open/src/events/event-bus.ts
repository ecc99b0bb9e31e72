import { Injectable } from '@nestjs/common';
import { XmlFields } from '../xml/wechat-xml.js';

/** A decrypted push on the authorization-event URL. */
export interface ComponentEvent {
  componentAppid: string;
  /** InfoType, lower-cased (WeChat's case is not to be relied on). */
  infoType: string;
  createTime: Date;
  fields: XmlFields;
}

/** What became of a push: applied, or ignored with the reason (stored in the event log). */
export type EventDisposition = { outcome: 'applied' } | { outcome: 'ignored'; reason: string };

export const APPLIED: EventDisposition = { outcome: 'applied' };

/**
 * The module that owns an InfoType. `parse` reads and checks the push's fields before anything is
 * stored (it throws a WechatXmlError, answered 400, for content it cannot use); `handle` applies
 * it and says whether it was applied or ignored. Handlers run before WeChat gets its `success`,
 * so they must be quick: slow work goes to the job queue. They must be idempotent: WeChat
 * retries, and a retry may follow a failed first try.
 */
export interface ComponentEventHandler<P = unknown> {
  parse(fields: XmlFields): P;
  handle(event: ComponentEvent, payload: P): Promise<EventDisposition>;
}

/** A push whose content its handler accepted, ready to be applied. */
export interface ParsedEvent {
  event: ComponentEvent;
  /** False when no module handles this InfoType (it is still logged and answered). */
  handled: boolean;
  apply(): Promise<EventDisposition>;
}

/** Routes pushes to the module that owns each InfoType. */
@Injectable()
export class WechatEventBus {
  private readonly handlers = new Map<string, ComponentEventHandler>();

  on<P>(infoType: string, handler: ComponentEventHandler<P>): void {
    const key = infoType.toLowerCase();
    if (this.handlers.has(key)) throw new Error(`a handler for ${key} is already registered`);
    this.handlers.set(key, handler);
  }

  /** Parses the push with its handler (throws for unusable content); nothing is applied yet. */
  parse(event: ComponentEvent): ParsedEvent {
    const handler = this.handlers.get(event.infoType);
    if (!handler) {
      return {
        event,
        handled: false,
        apply: () =>
          Promise.resolve({ outcome: 'ignored', reason: 'no handler for this InfoType' }),
      };
    }
    const payload = handler.parse(event.fields);
    return { event, handled: true, apply: () => handler.handle(event, payload) };
  }
}
