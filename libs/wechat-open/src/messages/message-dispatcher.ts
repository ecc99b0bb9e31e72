import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { WechatOpenError } from '../errors/wechat-open.error.js';
import {
  criterionMatches,
  DiscoveredHandler,
  HandlerDiscovery,
} from '../handlers/handler-discovery.js';
import { WECHAT_MESSAGE_HANDLER } from '../handlers/handler.decorators.js';
import type {
  WechatMessageContext,
  WechatMessageFilter,
  WechatReply,
} from '../handlers/handler.types.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { MessageHandlerFailedError } from './message.errors.js';

/** What the normal handlers came to within the reply budget. */
export type DispatchOutcome =
  | { kind: 'reply'; reply: WechatReply; handler: string }
  | { kind: 'none' }
  | { kind: 'timed_out'; running: string[] };

/**
 * The host's `@OnWechatMessage` methods, found once the application is up, and how they run:
 * critical ones first, one after the other, and each must succeed; then the others side by side
 * within the reply budget, the first to return a reply winning.
 */
@Injectable()
export class MessageDispatcher implements OnApplicationBootstrap {
  private readonly logger = new Logger('WechatMessageDispatcher');
  private handlers: DiscoveredHandler<WechatMessageFilter>[] = [];

  constructor(
    private readonly discovery: HandlerDiscovery,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.handlers = this.discovery.find<WechatMessageFilter>(WECHAT_MESSAGE_HANDLER);
    if (this.handlers.length > 0) {
      this.logger.log(`${this.handlers.length} message handler(s): ${this.names(this.handlers)}`);
    }
  }

  /** The handlers whose filter admits the message, critical ones and the others apart. */
  matching(ctx: WechatMessageContext): {
    critical: DiscoveredHandler<WechatMessageFilter>[];
    normal: DiscoveredHandler<WechatMessageFilter>[];
  } {
    const found = this.handlers.filter((h) => filterMatches(h.filter, ctx));
    return { critical: found.filter((h) => h.critical), normal: found.filter((h) => !h.critical) };
  }

  /**
   * Runs the critical handlers in discovery order; the first that throws stops the run with
   * MESSAGE_HANDLER_FAILED (a reply they return is ignored: they run before the answer is known).
   */
  async runCritical(
    handlers: DiscoveredHandler<WechatMessageFilter>[],
    ctx: WechatMessageContext,
  ): Promise<void> {
    for (const h of handlers) {
      try {
        await h.invoke(ctx);
      } catch (error) {
        this.logger.error(`critical message handler ${h.name} failed: ${describe(error)}`);
        throw new MessageHandlerFailedError(h.name, { cause: error });
      }
    }
  }

  /**
   * Starts every handler at once and settles on the first reply, or once all have finished
   * without one, or when the budget runs out. A handler that throws is logged (never the
   * message) and does not change the answer; one still running goes on in the background.
   */
  runWithinBudget(
    handlers: DiscoveredHandler<WechatMessageFilter>[],
    ctx: WechatMessageContext,
  ): Promise<DispatchOutcome> {
    if (handlers.length === 0) return Promise.resolve({ kind: 'none' });
    return new Promise((resolve) => {
      let settled = false;
      const running = new Set(handlers.map((h) => h.name));
      const settle = (outcome: DispatchOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        this.logger.warn(
          `message handler(s) ${[...running].join(', ')} still running after ` +
            `${this.options.messages.replyBudgetMs} ms: answered success`,
        );
        settle({ kind: 'timed_out', running: [...running] });
      }, this.options.messages.replyBudgetMs);
      for (const h of handlers) {
        void Promise.resolve()
          .then(() => h.invoke(ctx))
          .then(
            (value) => {
              if (value === undefined || value === null) return;
              if (settled) {
                this.logger.warn(
                  `message handler ${h.name} replied after WeChat was answered; ` +
                    'send it through the customer-service API instead',
                );
                return;
              }
              settle({ kind: 'reply', reply: value as WechatReply, handler: h.name });
            },
            (error: unknown) =>
              this.logger.warn(`message handler ${h.name} failed: ${describe(error)}`),
          )
          .finally(() => {
            running.delete(h.name);
            if (running.size === 0) settle({ kind: 'none' });
          });
      }
    });
  }

  private names(handlers: DiscoveredHandler<WechatMessageFilter>[]): string {
    return handlers.map((h) => `${h.name}${h.critical ? ' (critical)' : ''}`).join(', ');
  }
}

/** Whether every criterion of the filter admits the message. */
export function filterMatches(filter: WechatMessageFilter, ctx: WechatMessageContext): boolean {
  return (
    criterionMatches(filter.msgType, ctx.msgType, true) &&
    criterionMatches(filter.event, ctx.event, true) &&
    criterionMatches(filter.componentAppid, ctx.componentAppid) &&
    criterionMatches(filter.authorizerAppid, ctx.authorizerAppid) &&
    criterionMatches(filter.tenantId, ctx.tenantId)
  );
}

/**
 * An error as it may be logged: a library error's code and message (they never hold a secret),
 * otherwise only the error's class: a host's message may quote the decrypted content.
 */
function describe(error: unknown): string {
  if (error instanceof WechatOpenError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name} (message withheld: it may quote the content)`;
  return typeof error;
}
