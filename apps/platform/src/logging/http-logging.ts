import { RequestMethod } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DestinationStream } from 'pino';
import type { Params } from 'nestjs-pino';
import { LogFormat, logDestination } from './log-format.js';

/** A caller's request id is reused only when it looks like one (no log injection, bounded). */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The request id of a request: the caller's `x-request-id` when it has a sane shape, else a new
 * UUID. Fastify assigns it (its `genReqId`), echoes it in the response header, and pino-http
 * puts it on every log line of the request.
 */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * pino-http for the platform: one line per request at debug level (errors of ours at error),
 * with the request id, method, path and status; never the query string (signatures, and tokens
 * on some routes), never headers or bodies. Pretty or JSON as LOG_FORMAT says.
 */
export function httpLoggingParams(
  level: string,
  stream?: DestinationStream,
  format?: LogFormat,
): Params {
  const destination = logDestination(format, stream);
  return {
    // Every route, spelled for Nest 12's router: nestjs-pino's default (`{/*splat}`) matched no
    // route here, so no request was ever logged nor bound to its log lines.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: [
      {
        level,
        genReqId: requestId,
        customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'debug'),
        serializers: {
          req: (req: { method: string; url: string; id: unknown }) => ({
            id: req.id,
            method: req.method,
            path: req.url.split('?')[0],
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
      },
      ...(destination ? [destination] : []),
    ] as Params['pinoHttp'],
  };
}
