import { dropTemplate, prepareTemplate, realServerUrl } from './database.js';

/**
 * Prepares the migrated template database on the real PostgreSQL, when one is reachable. The
 * template is this run's own (the workers inherit its name), and is dropped when the run ends.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const server = await realServerUrl();
  if (!server) {
    process.stdout.write(
      'No PostgreSQL reachable (TEST_DATABASE_URL or 127.0.0.1:5432): integration tests use the ' +
        'embedded PostgreSQL; tests that need several connections are skipped.\n',
    );
    return undefined;
  }
  const name = `wop_test_template_${process.pid}`;
  process.env.WOP_TEST_TEMPLATE = name;
  await prepareTemplate(server, name);
  return () => dropTemplate(server, name);
}
