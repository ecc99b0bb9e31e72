import 'reflect-metadata';
import { validateEnvironment } from './config/environment.js';
import { PlatformConfig, toPlatformConfig } from './config/platform-config.js';
import { earlyLogger } from './logging/log-format.js';
import { startPlatform } from './platform.js';

async function main(): Promise<void> {
  const notes: ['warn' | 'info', string][] = [];
  let config: PlatformConfig;
  try {
    config = toPlatformConfig(
      validateEnvironment(process.env),
      (m) => notes.push(['warn', m]),
      (m) => notes.push(['info', m]),
    );
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  // The configuration names the log level and format: its notes are logged once it is read.
  const log = earlyLogger(config.logLevel, config.logFormat).child({ context: 'Platform' });
  for (const [level, message] of notes) log[level](message);
  const platform = await startPlatform(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
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
