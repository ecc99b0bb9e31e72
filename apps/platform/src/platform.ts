import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule, PlatformRuntime, ResolvedEndpoints } from './app.module.js';
import { PlatformConfig } from './config/platform-config.js';
import { EmbeddedPostgres } from './database/embedded-postgres.js';
import { runMigrations } from './database/migration-runner.js';
import { requestId } from './logging/http-logging.js';
import { startDevSandbox } from './dev-sandbox.js';
import { serveOpenApi } from './openapi.js';
import { restrictOpsRoutes } from './health/ops-server.js';

export interface RunningPlatform {
  app: NestFastifyApplication;
  url: string;
  databaseUrl: string;
  sandboxUrl?: string;
  stop(): Promise<void>;
}

/** Builds the Nest application on Fastify, with XML bodies read as raw text under a size limit. */
export async function createPlatformApp(
  config: PlatformConfig,
  endpoints: ResolvedEndpoints,
  options: { bufferLogs?: boolean } & PlatformRuntime = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.maxXmlBytes,
    // Off unless TRUST_PROXY names the proxies: else any client could choose its own address.
    trustProxy: config.trustProxy ?? false,
    genReqId: requestId,
  });
  const fastify = adapter.getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  restrictOpsRoutes(fastify, config);
  fastify.addContentTypeParser(
    ['text/xml', 'application/xml'],
    { parseAs: 'string', bodyLimit: config.maxXmlBytes },
    (_req, body, done) => done(null, body),
  );
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, endpoints, {
      logStream: options.logStream,
      imports: options.imports,
    }),
    adapter,
    { bufferLogs: options.bufferLogs ?? true },
  );
  app.useLogger(app.get(PinoLogger));
  app.enableShutdownHooks();
  serveOpenApi(app);
  return app;
}

/**
 * Starts everything `npm start` runs: the database (embedded unless DATABASE_URL), migrations,
 * the sandbox (unless real WeChat URLs are configured), then the HTTP server.
 */
export async function startPlatform(config: PlatformConfig): Promise<RunningPlatform> {
  const log = new Logger('Platform');
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => log.error(String(e)));
  };
  try {
    let databaseUrl = config.database.url;
    let poolSize = config.database.poolSize;
    let embedded: EmbeddedPostgres | undefined;
    if (databaseUrl) {
      log.log(`database: PostgreSQL at ${redactUrl(databaseUrl)}`);
    } else {
      const db = new EmbeddedPostgres({ dataDir: config.database.embeddedDir });
      embedded = db;
      databaseUrl = await db.start();
      stops.push(() => db.stop());
      poolSize = 1;
      log.log(
        `database: embedded PostgreSQL (PGlite) in ${config.database.embeddedDir}; ` +
          'single-instance mode: set DATABASE_URL to run several instances',
      );
    }
    if (config.database.runMigrations) {
      await runMigrations(databaseUrl, { lock: config.database.url !== undefined, logger: log });
    } else {
      log.warn('SKIP_MIGRATIONS is set: not migrating');
    }

    await embedded?.waitUntilFree();

    let wechat = config.wechat;
    let sandboxUrl: string | undefined;
    if (!wechat) {
      const sandbox = await startDevSandbox(config);
      stops.push(() => sandbox.close());
      sandboxUrl = sandbox.url;
      wechat = { apiBaseUrl: sandbox.url, mpBaseUrl: sandbox.url, openBaseUrl: sandbox.url };
    }

    const app = await createPlatformApp(config, { databaseUrl, poolSize, wechat });
    await app.listen(config.port, config.host);
    stops.push(() => app.close());
    const url = await app.getUrl();
    // Logged once the app's logger is in place: the sandbox's own Nest app narrows the default one.
    log.log(
      sandboxUrl
        ? `WeChat: the sandbox at ${sandboxUrl} (no real WeChat is called)`
        : `WeChat: ${wechat.apiBaseUrl}`,
    );
    log.log(`platform listening on ${url} (public base URL ${config.publicBaseUrl})`);
    return { app, url, databaseUrl, sandboxUrl, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
