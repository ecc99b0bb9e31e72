import { SetMetadata } from '@nestjs/common';
import type {
  ComponentEventFilter,
  HandlerRunOptions,
  WechatMessageFilter,
} from './handler.types.js';

export const WECHAT_MESSAGE_HANDLER = Symbol('wechat-open:message-handler');
export const COMPONENT_EVENT_HANDLER = Symbol('wechat-open:component-event-handler');

/** What a decorator stores on the method. */
export interface HandlerMetadata<F> {
  filter: F;
  options: HandlerRunOptions;
}

/**
 * Marks a provider's (or controller's) method as a handler of user messages and events of
 * authorized accounts: `(ctx: WechatMessageContext) => WechatReply | void | Promise<...>`. Found at
 * start-up through Nest's DiscoveryService, as `@Cron` is. A method may carry several.
 */
export const OnWechatMessage = (
  filter: WechatMessageFilter = {},
  options: HandlerRunOptions = {},
): MethodDecorator => appendMetadata(WECHAT_MESSAGE_HANDLER, { filter, options });

/**
 * Marks a method as a handler of pushes on the authorization-event URL:
 * `(ctx: ComponentEventContext) => void | Promise<void>`.
 */
export const OnComponentEvent = (
  filter: ComponentEventFilter = {},
  options: HandlerRunOptions = {},
): MethodDecorator => appendMetadata(COMPONENT_EVENT_HANDLER, { filter, options });

function appendMetadata<F>(key: symbol, entry: HandlerMetadata<F>): MethodDecorator {
  return (target, property, descriptor) => {
    const previous = (Reflect.getMetadata(key, descriptor.value as object) ??
      []) as HandlerMetadata<F>[];
    SetMetadata(key, [...previous, entry])(target, property, descriptor);
  };
}
