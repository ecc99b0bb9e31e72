import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import type { Params } from 'nestjs-pino';

/** A caller's request id is reused only when it looks like one (no log injection, bounded). */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The request id of a request: the caller's `x-request-id` when it has a sane shape, else a new
 * UUID. It is echoed in the response header and appears on every log line of the request.
 */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/**
 * pino-http for the platform: one line per request at debug level (errors of ours at error),
 * with the request id, method, path and status; never the query string (signatures, and tokens
 * on some routes), never headers or bodies.
 */
export function httpLoggingParams(level: string, stream?: DestinationStream): Params {
  return {
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
      ...(stream ? [stream] : []),
    ] as Params['pinoHttp'],
  };
}
