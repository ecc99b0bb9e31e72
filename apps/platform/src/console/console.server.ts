import { createReadStream, existsSync, Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';
import { contentTypeOf, defaultConsoleDir, isHidden, resolveConsolePath } from './console-files.js';
import {
  CONSOLE_PATH,
  CONSOLE_SECURITY_HEADERS,
  IMMUTABLE,
  NOT_BUILT_PAGE,
  REVALIDATE,
} from './console.constants.js';

/** What the start-up message says of the console. */
export interface ConsoleStatus {
  enabled: boolean;
  /** index.html exists in the folder (checked now). */
  built: boolean;
  dir: string;
  path: string;
}

/**
 * Serves the built console (static files from Vite) at /console/, with the client-side routes
 * answered by index.html, and sends `/` there. Routes are added on the Fastify instance itself,
 * not through a controller: they are no part of the API (no OpenAPI entry, no guards), and the
 * folder is read on each request so that a build made after start-up is served at once.
 */
@Injectable()
export class ConsoleServer implements OnModuleInit {
  private readonly logger = new Logger('Console');
  readonly dir: string;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.dir = config.console?.dir ?? defaultConsoleDir();
  }

  status(): ConsoleStatus {
    const enabled = this.config.console?.enabled ?? true;
    return {
      enabled,
      built: enabled && existsSync(join(this.dir, 'index.html')),
      dir: this.dir,
      path: CONSOLE_PATH,
    };
  }

  onModuleInit(): void {
    const status = this.status();
    if (!status.enabled) return;
    if (!status.built) {
      // Info, not a warning: a source checkout (tests included) has no build, and says so here.
      this.logger.log(`the console is not built (no index.html in ${this.dir}): run npm run build`);
    }
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.get('/', (_request, reply) => reply.redirect(CONSOLE_PATH, 302));
    fastify.get('/console', (request, reply) => {
      const query = request.url.indexOf('?');
      void reply.headers(CONSOLE_SECURITY_HEADERS);
      return reply.redirect(CONSOLE_PATH + (query >= 0 ? request.url.slice(query) : ''), 301);
    });
    fastify.get('/console/*', (request, reply) => this.serve(request, reply));
  }

  private async serve(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    void reply.headers(CONSOLE_SECURITY_HEADERS);
    const rest = (request.params as { '*'?: string })['*'] ?? '';
    const target = resolveConsolePath(this.dir, rest);
    if (target.kind === 'invalid') {
      return refuse(reply, request, 400, 'INVALID_PATH', 'the path is not a console path');
    }
    const file = isHidden(rest) ? null : await fileStats(target.path);
    if (file) return sendFile(request, reply, target.path, file, target.hashedAsset);
    // A missing hashed asset is a stale page asking for an old build: a 404, never the HTML.
    if (target.hashedAsset) return refuse(reply, request, 404, 'NOT_FOUND', 'no such file');
    const indexPath = join(this.dir, 'index.html');
    const index = await fileStats(indexPath);
    if (!index) {
      return reply
        .status(503)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(NOT_BUILT_PAGE);
    }
    return sendFile(request, reply, indexPath, index, false);
  }
}

async function fileStats(path: string): Promise<Stats | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  file: Stats,
  immutable: boolean,
): FastifyReply {
  const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
  void reply
    .header('cache-control', immutable ? IMMUTABLE : REVALIDATE)
    .header('etag', etag)
    .header('last-modified', file.mtime.toUTCString());
  if (request.headers['if-none-match'] === etag) return reply.status(304).send();
  return reply
    .type(contentTypeOf(path))
    .header('content-length', file.size)
    .send(createReadStream(path));
}

function refuse(
  reply: FastifyReply,
  request: FastifyRequest,
  statusCode: number,
  code: string,
  message: string,
): FastifyReply {
  return reply
    .status(statusCode)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({ statusCode, code, message, requestId: request.id });
}
