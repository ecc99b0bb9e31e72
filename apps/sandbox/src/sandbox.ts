import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { registerBodyParsers } from './common/request-body.js';
import { SandboxModule } from './sandbox.module.js';
import { SandboxHandle, SandboxOptions } from './sandbox.options.js';

/** Builds the sandbox's Nest application (not listening yet). */
export async function createSandboxApp(options: SandboxOptions): Promise<NestFastifyApplication> {
  // forceCloseConnections: hung requests (fault injection) and keep-alive sockets must not
  // hold close() open.
  const adapter = new FastifyAdapter({ forceCloseConnections: true, bodyLimit: 1024 * 1024 });
  registerBodyParsers(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(
    SandboxModule.forRoot(options),
    adapter,
    { logger: options.logLevels ?? ['error', 'warn'], bodyParser: false },
  );
  return app;
}

/**
 * Starts the sandbox on `host:port` (port 0: a free one) and returns its base URL and a close
 * function. Used by tests and by the platform's zero-configuration run.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const app = await createSandboxApp(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen(options.port ?? 8081, host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8081);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => (closing ??= app.close()),
  };
}
