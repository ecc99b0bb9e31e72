import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';
import { defaultConsoleDir } from './console-dir.js';
import { consoleRoutes } from './console-routes.js';
import { CONSOLE_PATH } from './console.constants.js';

/** What the start-up message says of the console. */
export interface ConsoleStatus {
  enabled: boolean;
  /** index.html exists in the folder (checked now). */
  built: boolean;
  dir: string;
  path: string;
}

/**
 * Serves the built console (static files from Vite) at /console/ and sends `/` there. The
 * routes are a plugin on the Fastify instance itself, not a controller: they are no part of the
 * API (no OpenAPI entry, no guards).
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
    // The CLI's application context has no HTTP server: nothing to serve.
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (!adapter) return;
    const status = this.status();
    if (!status.enabled) return;
    if (!status.built) {
      // Info, not a warning: a source checkout (tests included) has no build, and says so here.
      this.logger.log(`the console is not built (no index.html in ${this.dir}): run npm run build`);
    }
    void adapter.getInstance<FastifyInstance>().register(consoleRoutes(this.dir));
  }
}
