import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ExampleModule } from './example.module.js';

/**
 * The example consumer, not listening yet. Reads `DATABASE_URL`, `WECHAT_COMPONENTS` (JSON),
 * `DATA_ENCRYPTION_KEYS` (`kid:base64`) and, optionally, `WECHAT_API_BASE_URL` (the sandbox).
 */
export async function createExampleApp(): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: 64 * 1024 });
  // WeChat's pushes are XML: the library wants the body as the string it was signed as.
  adapter
    .getInstance()
    .addContentTypeParser(
      ['text/xml', 'application/xml'],
      { parseAs: 'string' },
      (_req, body, done) => done(null, body),
    );
  const app = await NestFactory.create<NestFastifyApplication>(ExampleModule, adapter);
  app.enableShutdownHooks();
  return app;
}
