import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';

/** Marks requests that came in through the ops listener (a symbol: no client can set it). */
const VIA_OPS = Symbol('via-ops-listener');
const OPS_PATH = /^\/(health|metrics)(\/|\?|$)/;

type MarkedRequest = IncomingMessage & { [VIA_OPS]?: true };

/**
 * With OPS_PORT set, /health and /metrics are answered on the main port as unknown routes (404):
 * call this on the Fastify instance before the application starts.
 */
export function restrictOpsRoutes(fastify: FastifyInstance, config: PlatformConfig): void {
  if (config.ops?.port === undefined) return;
  fastify.addHook('onRequest', (request, reply, done) => {
    if (OPS_PATH.test(request.url) && !(request.raw as MarkedRequest)[VIA_OPS]) {
      void reply
        .status(404)
        .header('content-type', 'application/json; charset=utf-8')
        .send(
          JSON.stringify({
            statusCode: 404,
            code: 'NOT_FOUND',
            message: `Cannot ${request.method} ${request.url.split('?')[0]}`,
            requestId: request.id,
          }),
        );
      return;
    }
    done();
  });
}

/**
 * The second listener (OPS_PORT, on HOST) that serves /health and /metrics only, through the
 * application's own routes (guards and filters included); everything else there is a 404.
 */
@Injectable()
export class OpsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OpsServer');
  private server?: Server;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The ops listener's base URL, or null when /health and /metrics are on the main port. */
  url(): string | null {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? `http://${this.config.host}:${address.port}` : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.ops?.port;
    if (port === undefined) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const server = createServer((req: MarkedRequest, res: ServerResponse) => {
      if (!OPS_PATH.test(req.url ?? '')) return end(res, 404, 'NOT_FOUND', 'not an ops route');
      // Until the application listens its router is not ready: not ready is what to say.
      if (!fastify.server.listening) return end(res, 503, 'STARTING', 'starting');
      req[VIA_OPS] = true;
      fastify.routing(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`/health and /metrics on ${this.url() ?? ''} only`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function end(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ statusCode: status, code, message }));
}
