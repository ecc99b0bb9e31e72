import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { validateEnvironment } from './config/environment.js';
import { toPlatformConfig } from './config/platform-config.js';
import { startPlatform } from './platform.js';

async function main(): Promise<void> {
  const log = new Logger('Platform');
  let config;
  try {
    config = toPlatformConfig(validateEnvironment(process.env), (m) => log.warn(m));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const platform = await startPlatform(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.log(`${signal}: shutting down`);
    platform.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `platform failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
