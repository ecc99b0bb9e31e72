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

export type ComponentEventHandler = (event: ComponentEvent) => Promise<void>;

/**
 * Routes pushes to the module that owns each InfoType. Handlers run before WeChat gets its
 * `success`, so they must be quick: slow work goes to the job queue.
 */
@Injectable()
export class WechatEventBus {
  private readonly handlers = new Map<string, ComponentEventHandler>();

  on(infoType: string, handler: ComponentEventHandler): void {
    const key = infoType.toLowerCase();
    if (this.handlers.has(key)) throw new Error(`a handler for ${key} is already registered`);
    this.handlers.set(key, handler);
  }

  handles(infoType: string): boolean {
    return this.handlers.has(infoType.toLowerCase());
  }

  /** Returns false when nobody handles this InfoType (it is still logged and answered). */
  async dispatch(event: ComponentEvent): Promise<boolean> {
    const handler = this.handlers.get(event.infoType);
    if (!handler) return false;
    await handler(event);
    return true;
  }
}
