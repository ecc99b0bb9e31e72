import { Module } from '@nestjs/common';
import { ConsoleServer } from './console.server.js';

/**
 * The operator and tenant console: its built files (apps/console, built by Vite into
 * dist/console) served at /console/, and `/` sent there. CONSOLE_ENABLED=false turns it off;
 * CONSOLE_DIR serves another folder.
 */
@Module({
  providers: [ConsoleServer],
  exports: [ConsoleServer],
})
export class ConsoleModule {}
