import { prepareTemplate, realServerUrl } from './database.js';

/** Prepares the migrated template database on the real PostgreSQL, when one is reachable. */
export default async function setup(): Promise<void> {
  const server = await realServerUrl();
  if (server) {
    await prepareTemplate(server);
  } else {
    process.stdout.write(
      'No PostgreSQL reachable (TEST_DATABASE_URL or 127.0.0.1:5432): integration tests use the ' +
        'embedded PostgreSQL; tests that need several connections are skipped.\n',
    );
  }
}
