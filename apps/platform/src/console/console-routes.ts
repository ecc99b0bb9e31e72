import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  CONSOLE_PATH,
  CONSOLE_SECURITY_HEADERS,
  IMMUTABLE,
  NOT_BUILT_PAGE,
  REVALIDATE,
} from './console.constants.js';

/** The code of a refused console request, by status (the API's error shape). */
const REFUSALS: Record<number, string> = {
  400: 'INVALID_PATH',
  403: 'INVALID_PATH',
  404: 'NOT_FOUND',
  412: 'PRECONDITION_FAILED',
  416: 'RANGE_NOT_SATISFIABLE',
};

/**
 * The console's routes, in a plugin context of their own: `/` sent to /console/, and under
 * /console/ the files of `dir` served by @fastify/static, looked up on each request (a build
 * made after start-up is served at once). A path that names no file is a client-side route and
 * gets index.html, except under assets/ (a stale page asking for an old build: a 404).
 */
export function consoleRoutes(dir: string) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/', (_request, reply) => reply.redirect(CONSOLE_PATH, 302));
    // @fastify/static takes an absolute root only (CONSOLE_DIR may be relative).
    await app.register(consoleScope(resolve(dir)), { prefix: CONSOLE_PATH.slice(0, -1) });
  };
}

function consoleScope(dir: string) {
  return async (scope: FastifyInstance): Promise<void> => {
    // onSend: on every answer of this scope, files, redirects, fallbacks and errors alike.
    scope.addHook('onSend', async (_request, reply, payload) => {
      void reply.headers(CONSOLE_SECURITY_HEADERS);
      return payload;
    });
    // `/console`, without the slash (the route's url is the scope's prefix alone).
    scope.get('', (request, reply) => {
      const query = request.url.indexOf('?');
      return reply.redirect(CONSOLE_PATH + (query >= 0 ? request.url.slice(query) : ''), 301);
    });
    await scope.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      wildcard: true,
      // The library's default is 'allow': .env and the like are treated as absent.
      dotfiles: 'ignore',
      cacheControl: false,
      setHeaders: (reply, path) =>
        void reply.header('cache-control', isHashedAsset(dir, path) ? IMMUTABLE : REVALIDATE),
      // The build folder may not exist yet (no build): that is said once, at start-up.
      suppressWarning: true,
    });
    scope.setNotFoundHandler((request, reply) => {
      const rest = request.url.slice(CONSOLE_PATH.length).split('?')[0] ?? '';
      if (climbsOut(rest)) return refuse(request, reply, 400, 'the path is not a console path');
      if (rest.startsWith('assets/')) return refuse(request, reply, 404, 'no such file');
      if (!existsSync(join(dir, 'index.html'))) {
        return reply
          .status(503)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(NOT_BUILT_PAGE);
      }
      return reply.sendFile('index.html');
    });
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const statusCode = error.statusCode ?? 500;
      if (statusCode >= 500) request.log.error({ err: error }, 'console file not sent');
      const message =
        statusCode >= 500
          ? 'internal error'
          : REFUSALS[statusCode] === 'INVALID_PATH'
            ? 'the path is not a console path'
            : error.message;
      return refuse(request, reply, statusCode, message);
    });
  };
}

/**
 * True when the path, fully decoded, has a `..` segment: `..%2F` is no file for the library (it
 * keeps `%2F` in the name), but a traversal attempt all the same, refused rather than answered
 * with the page.
 */
function climbsOut(rest: string): boolean {
  try {
    const decoded = decodeURIComponent(rest);
    return decoded.includes('\0') || decoded.split(/[\\/]/).includes('..');
  } catch {
    return true; // malformed escapes
  }
}

/** Vite names the files under assets/ by their content's hash: they never change. */
function isHashedAsset(dir: string, path: string): boolean {
  return relative(dir, path).startsWith(`assets${sep}`);
}

function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  message: string,
): FastifyReply {
  const code = REFUSALS[statusCode] ?? (statusCode >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
  return reply
    .status(statusCode)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({ statusCode, code, message, requestId: request.id });
}
