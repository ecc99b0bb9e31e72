import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as delay } from 'node:timers/promises';
import { mergeMap, Observable, tap } from 'rxjs';
import { ApiQuotaStore } from '../state/api-quota.store.js';
import { SandboxCounters } from '../state/sandbox-counters.service.js';
import { CallerResolver, cgiPathOf } from './caller.js';
import { FaultInjector } from './fault-injector.service.js';
import { HangReleased, InjectedHttpFault, SandboxApiError } from './sandbox-api.error.js';

const WECHAT_ENDPOINT = 'sandbox:wechat-endpoint';

/** Names a WeChat-facing handler: the key used by counters and faults. */
export const WechatEndpoint = (name: string) => SetMetadata(WECHAT_ENDPOINT, name);

/** The endpoint name of the request being served (set by the interceptor). */
export function endpointOf(request: FastifyRequest): string {
  return (request as FastifyRequest & { sandboxEndpoint?: string }).sandboxEndpoint ?? 'unknown';
}

/** The account a component call names in its body, if any (account-scoped faults). */
function namedAccount(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const appid = (body as Record<string, unknown>).authorizer_appid;
  return typeof appid === 'string' ? appid : undefined;
}

/**
 * Counts every call of a WeChat endpoint and applies the injected fault, if one matches. A call
 * served without an errcode also counts against its caller's daily quota of that cgi_path.
 */
@Injectable()
export class WechatEndpointInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly faults: FaultInjector,
    private readonly counters: SandboxCounters,
    private readonly callers: CallerResolver,
    private readonly quotas: ApiQuotaStore,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const endpoint = this.reflector.get<string | undefined>(WECHAT_ENDPOINT, context.getHandler());
    if (!endpoint) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { sandboxEndpoint?: string }>();
    request.sandboxEndpoint = endpoint;
    this.counters.call(endpoint);
    const fault = this.faults.take(endpoint, namedAccount(request.body));
    if (fault) {
      if (fault.latencyMs) await delay(fault.latencyMs);
      if (fault.hang) {
        const reply = http.getResponse<FastifyReply>();
        await this.faults.hang((release) => reply.raw.once('close', release));
        throw new HangReleased();
      }
      if (fault.httpStatus) throw new InjectedHttpFault(fault.httpStatus, fault.errcode);
      if (fault.errcode !== undefined) throw new SandboxApiError(fault.errcode, 'injected fault');
      if (fault.loseAnswer) {
        const reply = http.getResponse<FastifyReply>();
        // The handler has run (its effects stand); only its answer never leaves.
        return next.handle().pipe(
          mergeMap(async () => {
            await this.faults.hang((release) => reply.raw.once('close', release));
            throw new HangReleased();
          }),
        );
      }
    }
    return next.handle().pipe(
      tap(() => {
        const caller = this.callers.of(request);
        const appid = caller.authorizerAppid ?? caller.componentAppid;
        if (appid) this.quotas.count(appid, cgiPathOf(request));
      }),
    );
  }
}
