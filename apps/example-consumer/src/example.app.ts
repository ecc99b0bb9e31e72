import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ExampleModule } from './example.module.js';

/**
 * The example consumer, not listening yet. Reads `DATABASE_URL`, `WECHAT_COMPONENTS` (JSON),
 * `DATA_ENCRYPTION_KEYS` (`kid:base64`) and, optionally, `WECHAT_API_BASE_URL` (the sandbox).
 */
export async function createExampleApp(): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: 64 * 1024 });
  const fastify = adapter.getInstance();
  // A connection busy with a push when the app starts closing is not idle, so close() leaves it
  // open, kept alive after its answer for Fastify's keep-alive timeout (72 s): a SIGTERM would
  // wait that long. From then on an answered connection is closed within a second.
  fastify.addHook('preClose', (done) => {
    fastify.server.keepAliveTimeout = 1;
    done();
  });
  // WeChat's pushes are XML: the library wants the body as the string it was signed as.
  fastify.addContentTypeParser(
    ['text/xml', 'application/xml'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );
  const app = await NestFactory.create<NestFastifyApplication>(ExampleModule, adapter);
  app.enableShutdownHooks();
  return app;
}
