import 'reflect-metadata';
import { realServerUrl } from '../test/support/database.js';
import { prepareTemplate } from '../test/support/database.js';
import { benchAuthorizerRefresh, benchRefreshAcrossInstances } from './authorizer-refresh.bench.js';
import { benchCrypto } from './crypto.bench.js';
import { benchEventUrl } from './event-url.bench.js';
import { benchHotPaths } from './hot-paths.bench.js';
import { benchMessageUrl } from './message-url.bench.js';
import { benchPlatformMemory } from './platform-memory.bench.js';
import { benchRegistryScale } from './registry-scale.bench.js';
import { benchTokenApi } from './token-api.bench.js';

/**
 * `npm run bench [-- name ...]`: hot paths, the refresh sweep at 10,000 due (and at 30,000 across
 * 3 instances: `refresh-3`), the registry at
 * 100,000 registered, and the token API against a bare authenticated route. Needs a real
 * PostgreSQL (TEST_DATABASE_URL or 127.0.0.1:5432).
 */
async function main(): Promise<void> {
  const server = await realServerUrl();
  if (!server) {
    process.stderr.write(
      'benchmarks need a real PostgreSQL: set TEST_DATABASE_URL or start one on 127.0.0.1:5432\n',
    );
    process.exit(2);
  }
  await prepareTemplate(server);
  const wanted = process.argv.slice(2);
  const all: [string, () => Promise<Record<string, number>>][] = [
    ['hot-paths', benchHotPaths],
    ['refresh', benchAuthorizerRefresh],
    ['refresh-3', benchRefreshAcrossInstances],
    ['scale', benchRegistryScale],
    ['memory', benchPlatformMemory],
    ['token-api', benchTokenApi],
    ['crypto', benchCrypto],
    ['message-url', benchMessageUrl],
    ['event-url', benchEventUrl],
  ];
  for (const [name, run] of all) {
    if (wanted.length && !wanted.includes(name)) continue;
    await run();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
