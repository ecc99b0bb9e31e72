import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SandboxApiError } from '../common/sandbox-api.error.js';

/** Control API errors: HttpExceptions as Nest renders them; WeChat refusals as 409 with errcode. */
@Catch()
export class ControlErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('SandboxControl');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      void reply
        .status(exception.getStatus())
        .send(
          typeof body === 'string' ? { statusCode: exception.getStatus(), message: body } : body,
        );
      return;
    }
    if (exception instanceof SandboxApiError) {
      void reply
        .status(409)
        .send({ statusCode: 409, errcode: exception.errcode, message: exception.message });
      return;
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : exception,
    );
    void reply.status(500).send({ statusCode: 500, message: 'sandbox internal error' });
  }
}
