import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable, WechatApiError, WechatOpenError } from '@app/wechat-open';
import { ApiError } from './api-error.js';

const STATUS: Record<string, number> = {
  UNKNOWN_COMPONENT: 404,
  CRYPTO_BAD_SIGNATURE: 401,
  PUSH_TIMESTAMP_OUT_OF_WINDOW: 401,
  XML_TOO_LARGE: 413,
  WECHAT_UNAVAILABLE: 503,
  WECHAT_QUOTA_EXHAUSTED: 503,
  VERIFY_TICKET_MISSING: 503,
  VERIFY_TICKET_REJECTED: 503,
  COMPONENT_TOKEN_UNAVAILABLE: 503,
  AUTHORIZER_TOKEN_UNAVAILABLE: 503,
  PRE_AUTH_SESSION_EXPIRED: 410,
  PRE_AUTH_SESSION_USED: 409,
  AUTHORIZER_REVOKED: 410,
  AUTHORIZER_DETACHED: 410,
  AUTHORIZER_NEEDS_REAUTH: 409,
  AUTHORIZER_AMBIGUOUS: 409,
  TENANT_CONFLICT: 409,
  AUTHORIZATION_CODE_INVALID: 400,
  INVALID_RETURN_URL: 400,
  INVALID_LINK_OPTIONS: 400,
  EVENT_NOT_REPLAYABLE: 409,
  AUTHORIZATION_CODE_BUSY: 409,
  JSAPI_TICKET_UNAVAILABLE: 503,
  JSSDK_URL_INVALID: 400,
  JSSDK_URL_NOT_ALLOWED: 400,
  // A critical message handler failed: WeChat retries the message.
  MESSAGE_HANDLER_FAILED: 503,
  // A critical event handler failed: WeChat pushes the event again.
  EVENT_HANDLER_FAILED: 503,
};

/** Codes of Nest's and Fastify's own HTTP errors, by status. */
const HTTP_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Codes that mean "what was pushed to us is unusable" (the sender's problem, counted, not alarming). */
const PUSH_INPUT = /^(CRYPTO_|XML_|PUSH_|UNKNOWN_COMPONENT$)/;

/** HTTP status for each stable library error code (prefix match for families). */
export function statusOf(error: WechatOpenError): number {
  if (error instanceof WechatApiError) return error.configuration ? 500 : 502;
  const known = STATUS[error.code];
  if (known) return known;
  if (/^(CRYPTO|XML|PUSH)_/.test(error.code)) return 400;
  if (error.code.endsWith('_NOT_FOUND')) return 404;
  if (error.code.endsWith('_CONFLICT')) return 409;
  if (error.code.startsWith('INVALID_')) return 400;
  return 500;
}

/**
 * The one place where errors become HTTP answers, all of one shape:
 * `{ statusCode, code, message, requestId }` (the request id is also in `x-request-id`).
 * Library errors are logged with their code and non-secret metadata only.
 */
@Catch()
export class WechatErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const requestId = String(http.getRequest<FastifyRequest | undefined>()?.id ?? '');
    // Routes may have set text/plain (the event URL answers `success`); errors are always JSON.
    const send = (
      statusCode: number,
      code: string,
      message: string,
      extra: Record<string, unknown> = {},
    ) =>
      void reply
        .status(statusCode)
        .header('content-type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ ...extra, statusCode, code, message, requestId }));
    if (exception instanceof ApiError) {
      send(exception.statusCode, exception.code, exception.message);
      return;
    }
    if (exception instanceof ThrottlerException) {
      send(429, 'RATE_LIMITED', 'too many requests for this API key; retry later');
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse() as string | { message?: unknown; code?: unknown };
      const message =
        typeof body === 'string'
          ? body
          : Array.isArray(body.message)
            ? body.message.join('; ')
            : typeof body.message === 'string'
              ? body.message
              : exception.message;
      const code =
        typeof body === 'object' && typeof body.code === 'string'
          ? body.code
          : (HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'));
      send(status, code, message, extraFields(body));
      return;
    }
    if (exception instanceof WechatOpenError) {
      const status = statusOf(exception);
      // Refused pushes are counted in metrics; at debug level a flood of junk cannot flood the log.
      const log =
        status >= 500
          ? this.logger.error.bind(this.logger)
          : PUSH_INPUT.test(exception.code)
            ? this.logger.debug.bind(this.logger)
            : this.logger.warn.bind(this.logger);
      log(`${exception.code}: ${exception.message} ${JSON.stringify(exception.meta)}`);
      send(status, exception.code, exception.message);
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      // Ours, and passing: WeChat retries a push that was not answered `success`.
      this.logger.error(`database unavailable: ${(exception as Error).message}`);
      send(503, 'DATABASE_UNAVAILABLE', 'the database is unavailable; retry');
      return;
    }
    const clientStatus = clientErrorStatus(exception);
    if (clientStatus !== null) {
      // Refused by the HTTP layer before any route ran (body too large, bad content type...).
      const code = (exception as { code?: unknown }).code;
      send(
        clientStatus,
        typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code)
          ? code
          : (HTTP_CODES[clientStatus] ?? 'BAD_REQUEST'),
        'the request was refused',
      );
      return;
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    send(500, 'INTERNAL', 'internal error');
  }
}

/**
 * Fields an HttpException's body carries beyond Nest's own (`statusCode`, `message`, a string
 * `error`, our `code`): the readiness report of terminus (`status`, `info`, `error`, `details`)
 * stays in the 503 it answers.
 */
function extraFields(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'statusCode' || key === 'message' || key === 'code') continue;
    if (key === 'error' && typeof value === 'string') continue;
    extra[key] = value;
  }
  return extra;
}

/** The 4xx status a framework error carries (Fastify's FST_ERR_* have one), else null. */
function clientErrorStatus(exception: unknown): number | null {
  const status = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}
