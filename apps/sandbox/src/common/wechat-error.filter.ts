import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SandboxClock } from './sandbox.clock.js';
import { RidStore } from '../state/rid.store.js';
import { SandboxCounters } from '../state/sandbox-counters.service.js';
import { bodyTextOf, CallerResolver, queryStringOf } from './caller.js';
import { renderErrorPage } from '../pages/auth-page.html.js';
import {
  AuthPageError,
  HangReleased,
  InjectedHttpFault,
  rid,
  SandboxApiError,
} from './sandbox-api.error.js';
import { endpointOf } from './wechat-endpoint.interceptor.js';

/**
 * How WeChat answers errors: HTTP 200 with `{errcode, errmsg}` for the APIs, an HTML page for
 * the authorization pages; injected faults as configured. Every errcode answer's rid is
 * remembered for openapi/rid/get.
 */
@Catch()
export class WechatErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('SandboxWechat');

  constructor(
    private readonly counters: SandboxCounters,
    private readonly rids: RidStore,
    private readonly callers: CallerResolver,
    private readonly clock: SandboxClock,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const endpoint = endpointOf(request);
    const answer = (error: SandboxApiError) => this.answer(request, reply, endpoint, error);
    if (exception instanceof HangReleased) {
      reply.raw.destroy();
      return;
    }
    if (exception instanceof AuthPageError) {
      if (exception.errcode !== undefined) this.counters.errcode(endpoint, exception.errcode);
      void reply
        .status(exception.status)
        .header('content-type', 'text/html; charset=utf-8')
        .send(renderErrorPage(exception.message, exception.errcode));
      return;
    }
    if (exception instanceof InjectedHttpFault) {
      if (exception.errcode !== undefined) {
        this.counters.errcode(endpoint, exception.errcode);
        void reply
          .status(exception.status)
          .send(answer(new SandboxApiError(exception.errcode, 'injected fault')));
      } else {
        void reply
          .status(exception.status)
          .header('content-type', 'text/plain; charset=utf-8')
          .send(exception.message);
      }
      return;
    }
    if (exception instanceof SandboxApiError) {
      this.counters.errcode(endpoint, exception.errcode);
      void reply.status(200).send(answer(exception));
      return;
    }
    if (exception instanceof HttpException) {
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : exception,
    );
    this.counters.errcode(endpoint, -1);
    void reply.status(200).send(answer(new SandboxApiError(-1)));
  }

  /** The error's body, with a rid that openapi/rid/get can look up. */
  private answer(
    request: FastifyRequest,
    reply: FastifyReply,
    endpoint: string,
    error: SandboxApiError,
  ): { errcode: number; errmsg: string } {
    const id = rid();
    const body = error.toBody(id);
    this.rids.remember({
      rid: id,
      endpoint,
      ...this.callers.of(request),
      atMs: this.clock.nowMs(),
      costMs: Math.max(0, Math.round(reply.elapsedTime)),
      requestUrl: queryStringOf(request),
      requestBody: bodyTextOf(request),
      responseBody: JSON.stringify(body),
      clientIp: request.ip,
    });
    return body;
  }
}
