import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isDatabaseUnavailable, WechatApiError, WechatOpenError } from '@app/wechat-open';

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
  AUTHORIZER_NEEDS_REAUTH: 409,
  AUTHORIZER_AMBIGUOUS: 409,
  TENANT_CONFLICT: 409,
  AUTHORIZATION_CODE_INVALID: 400,
  INVALID_RETURN_URL: 400,
  INVALID_LINK_OPTIONS: 400,
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
 * The one place where library errors become HTTP answers: `{ error: code, message }`, logged
 * with the code and non-secret metadata only.
 */
@Catch()
export class WechatErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    // Routes may have set text/plain (the event URL answers `success`); errors are always JSON.
    const send = (status: number, body: unknown) =>
      void reply
        .status(status)
        .header('content-type', 'application/json; charset=utf-8')
        .send(JSON.stringify(body));
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      send(exception.getStatus(), typeof body === 'string' ? { message: body } : body);
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
      send(status, { error: exception.code, message: exception.message });
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      // Ours, and passing: WeChat retries a push that was not answered `success`.
      this.logger.error(`database unavailable: ${(exception as Error).message}`);
      send(503, { error: 'DATABASE_UNAVAILABLE', message: 'the database is unavailable; retry' });
      return;
    }
    const clientStatus = clientErrorStatus(exception);
    if (clientStatus !== null) {
      // Refused by the HTTP layer before any route ran (body too large, bad content type...).
      const code = (exception as { code?: unknown }).code;
      send(clientStatus, {
        error: typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'BAD_REQUEST',
        message: 'the request was refused',
      });
      return;
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    send(500, { error: 'INTERNAL', message: 'internal error' });
  }
}

/** The 4xx status a framework error carries (Fastify's FST_ERR_* have one), else null. */
function clientErrorStatus(exception: unknown): number | null {
  const status = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}
