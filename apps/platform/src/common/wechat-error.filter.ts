import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { WechatApiError, WechatOpenError } from '@app/wechat-open';

/** HTTP status for each stable library error code (prefix match for families). */
function statusOf(error: WechatOpenError): number {
  if (error instanceof WechatApiError) return error.configuration ? 500 : 502;
  switch (error.code) {
    case 'UNKNOWN_COMPONENT':
      return 404;
    case 'CRYPTO_BAD_SIGNATURE':
      return 401;
    case 'XML_TOO_LARGE':
      return 413;
    case 'WECHAT_UNAVAILABLE':
    case 'VERIFY_TICKET_MISSING':
    case 'COMPONENT_TOKEN_UNAVAILABLE':
      return 503;
  }
  if (error.code.startsWith('CRYPTO_') || error.code.startsWith('XML_')) return 400;
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
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      void reply.status(exception.getStatus()).send(typeof body === 'string' ? { message: body } : body);
      return;
    }
    if (exception instanceof WechatOpenError) {
      const status = statusOf(exception);
      const log = status >= 500 ? this.logger.error.bind(this.logger) : this.logger.warn.bind(this.logger);
      log(`${exception.code}: ${exception.message} ${JSON.stringify(exception.meta)}`);
      void reply.status(status).send({ error: exception.code, message: exception.message });
      return;
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    void reply.status(500).send({ error: 'INTERNAL', message: 'internal error' });
  }
}
