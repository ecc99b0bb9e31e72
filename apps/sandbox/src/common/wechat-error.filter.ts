import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SandboxCounters } from '../state/sandbox-counters.service.js';
import { renderErrorPage } from '../pages/auth-page.html.js';
import {
  AuthPageError,
  HangReleased,
  InjectedHttpFault,
  SandboxApiError,
} from './sandbox-api.error.js';
import { endpointOf } from './wechat-endpoint.interceptor.js';

/**
 * How WeChat answers errors: HTTP 200 with `{errcode, errmsg}` for the APIs, an HTML page for
 * the authorization pages; injected faults as configured.
 */
@Catch()
export class WechatErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('SandboxWechat');

  constructor(private readonly counters: SandboxCounters) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const endpoint = endpointOf(http.getRequest<FastifyRequest>());
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
          .send(new SandboxApiError(exception.errcode, 'injected fault').toBody());
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
      void reply.status(200).send(exception.toBody());
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
    void reply.status(200).send(new SandboxApiError(-1).toBody());
  }
}
