import {
  BeforeApplicationShutdown,
  Injectable,
  Inject,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { AuthorizerService } from '../authorizer/authorizer.service.js';
import type { TenantResolver } from '../authorizer/authorizer.types.js';
import { TENANT_RESOLVER } from '../authorizer/tenant-resolver.js';
import { WechatOpenError } from '../errors/wechat-open.error.js';
import {
  criterionMatches,
  DiscoveredHandler,
  HandlerDiscovery,
} from '../handlers/handler-discovery.js';
import { COMPONENT_EVENT_HANDLER } from '../handlers/handler.decorators.js';
import type { ComponentEventContext, ComponentEventFilter } from '../handlers/handler.types.js';
import { ComponentEventHandlerFailedError } from './component-event.errors.js';
import { EventDispatchRepository } from './event-dispatch.repository.js';
import type { AuthorizedPayload } from './info-type-payloads.js';

/** Pushes whose payload is an AuthorizedPayload (with the pre_auth_code of the session). */
const AUTHORIZATION_PUSHES: ReadonlySet<string> = new Set(['authorized', 'updateauthorized']);

/** The verify ticket, pushed every 10 minutes: only for handlers that name it. */
const VERIFY_TICKET = 'component_verify_ticket';

/** A stored push, as the host handlers see it (the tenant is looked up here). */
export type DispatchedEvent = Omit<ComponentEventContext, 'tenantId' | 'manager'>;

/** A handler method, once even if several of its decorators match; critical if any is. */
interface MatchedHandler {
  name: string;
  critical: boolean;
  invoke(ctx: ComponentEventContext): unknown;
}

/**
 * The host's `@OnComponentEvent` methods, found once the application is up, and how a stored
 * push reaches them.
 *
 * Critical handlers run one after the other before WeChat is answered. Each runs inside a
 * transaction that also records it in wechat_event_dispatch, keyed by (event log id, handler):
 * the record exists only if the run committed, so a WeChat retry (the push is stored once, the
 * retry finds the same event id) runs again only the critical handlers that have not succeeded,
 * and two deliveries at once (another instance) wait on the key instead of both running it. A
 * handler that writes through `ctx.manager` commits its write with that record: exactly once.
 * One that throws makes the push fail (EVENT_HANDLER_FAILED, answered 503) so WeChat retries.
 *
 * The others are claimed in the same table once every critical handler has succeeded (so at
 * most once each, and not before the push is acknowledged), then started after the answer on
 * their own; their errors are logged without the content. They are tracked and awaited when the
 * application shuts down.
 */
@Injectable()
export class ComponentEventDispatcher
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('ComponentEventDispatcher');
  private handlers: DiscoveredHandler<ComponentEventFilter>[] = [];
  /** Non-critical runs in flight (awaited on shutdown). */
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly discovery: HandlerDiscovery,
    private readonly dispatches: EventDispatchRepository,
    private readonly accounts: AuthorizerService,
    @Optional()
    @Inject(TENANT_RESOLVER)
    private readonly sessions: TenantResolver | null = null,
  ) {}

  onApplicationBootstrap(): void {
    this.handlers = this.discovery.find<ComponentEventFilter>(COMPONENT_EVENT_HANDLER);
    if (this.handlers.length > 0) {
      const names = this.handlers.map((h) => `${h.name}${h.critical ? ' (critical)' : ''}`);
      this.logger.log(`${this.handlers.length} component event handler(s): ${names.join(', ')}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.idle();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.idle();
  }

  /** Resolves once no non-critical handler is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** The handlers a push of this InfoType for this component goes to. */
  matching(componentAppid: string, infoType: string): MatchedHandler[] {
    const byName = new Map<string, MatchedHandler>();
    for (const h of this.handlers) {
      if (!filterMatches(h.filter, componentAppid, infoType)) continue;
      const seen = byName.get(h.name);
      if (seen) seen.critical ||= h.critical;
      else
        byName.set(h.name, { name: h.name, critical: h.critical, invoke: (ctx) => h.invoke(ctx) });
    }
    return [...byName.values()];
  }

  /**
   * Dispatches a stored push: critical handlers first (throws EVENT_HANDLER_FAILED when one
   * fails), then the others in the background. Nothing to do, and no query, when none matches.
   */
  async dispatch(event: DispatchedEvent): Promise<void> {
    const matched = this.matching(event.componentAppid, event.infoType);
    if (matched.length === 0) return;
    const ctx: ComponentEventContext = { ...event, tenantId: await this.tenantOf(event) };
    for (const h of matched.filter((m) => m.critical)) {
      try {
        await this.dispatches.runOnce(ctx.eventId, h.name, async (manager) => {
          await h.invoke({ ...ctx, manager });
        });
      } catch (error) {
        this.logger.error(
          `critical event handler ${h.name} failed on event ${ctx.eventId}: ${describe(error)}`,
        );
        throw new ComponentEventHandlerFailedError(h.name, { cause: error });
      }
    }
    const others = matched.filter((m) => !m.critical);
    const claimed = new Set(
      await this.dispatches.claim(
        ctx.eventId,
        others.map((h) => h.name),
      ),
    );
    for (const h of others) if (claimed.has(h.name)) this.start(h, ctx);
  }

  /**
   * The tenant of the account the push names, from the registry; for an authorization push of an
   * account without one (a first `authorized`: its code is redeemed after the answer), the tenant
   * of the session its pre_auth_code came from, the one the redemption will bind.
   */
  private async tenantOf(event: DispatchedEvent): Promise<string | null> {
    const account = event.authorizerAppid
      ? await this.accounts.find(event.componentAppid, event.authorizerAppid)
      : null;
    if (account?.tenantId) return account.tenantId;
    const preAuthCode =
      AUTHORIZATION_PUSHES.has(event.infoType) && this.sessions
        ? (event.payload as AuthorizedPayload).preAuthCode
        : null;
    if (!preAuthCode || !this.sessions) return null;
    return (await this.sessions(event.componentAppid, preAuthCode))?.tenantId ?? null;
  }

  /** Starts a non-critical handler once the answer is on its way, and tracks it. */
  private start(h: MatchedHandler, ctx: ComponentEventContext): void {
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => h.invoke(ctx))
      .then(
        () => undefined,
        (error: unknown) =>
          this.logger.warn(
            `event handler ${h.name} failed on event ${ctx.eventId}: ${describe(error)}`,
          ),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }
}

/**
 * Whether a handler's filter admits the push: InfoType case-insensitively (`*` or omitted: all
 * of them but the verify ticket, which goes only to filters that name it), and the component.
 */
export function filterMatches(
  filter: ComponentEventFilter,
  componentAppid: string,
  infoType: string,
): boolean {
  if (!criterionMatches(filter.componentAppid, componentAppid)) return false;
  if (infoType === VERIFY_TICKET) {
    const named = typeof filter.infoType === 'string' ? [filter.infoType] : filter.infoType;
    return (named ?? []).some((n) => n.toLowerCase() === VERIFY_TICKET);
  }
  return criterionMatches(filter.infoType, infoType, true);
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
