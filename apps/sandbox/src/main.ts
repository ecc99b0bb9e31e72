import 'reflect-metadata';
import { DEMO_ACCOUNTS } from './demo-accounts.js';
import { startSandbox } from './sandbox.js';
import type { SandboxComponentConfig, SandboxOptions } from './sandbox.options.js';

/** Reads the standalone configuration; the only place the sandbox touches process.env. */
function fromEnvironment(env: NodeJS.ProcessEnv): SandboxOptions {
  const errors: string[] = [];
  const int = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) errors.push(`${name}: must be an integer >= 0`);
    return value;
  };
  const port = int('SANDBOX_PORT', 8081);
  const ticketPushIntervalMs = int('SANDBOX_TICKET_PUSH_INTERVAL_MS', 600_000);
  const components: SandboxComponentConfig[] = [];
  const appid = env.SANDBOX_COMPONENT_APPID;
  if (appid) {
    const required = [
      'SANDBOX_COMPONENT_SECRET',
      'SANDBOX_COMPONENT_TOKEN',
      'SANDBOX_COMPONENT_AES_KEY',
    ];
    for (const name of required)
      if (!env[name]) errors.push(`${name}: required with SANDBOX_COMPONENT_APPID`);
    if (env.SANDBOX_COMPONENT_AES_KEY && !/^[A-Za-z0-9]{43}$/.test(env.SANDBOX_COMPONENT_AES_KEY)) {
      errors.push('SANDBOX_COMPONENT_AES_KEY: must be 43 characters of [A-Za-z0-9]');
    }
    components.push({
      appid,
      secret: env.SANDBOX_COMPONENT_SECRET ?? '',
      token: env.SANDBOX_COMPONENT_TOKEN ?? '',
      encodingAesKey: env.SANDBOX_COMPONENT_AES_KEY ?? '',
      eventUrl: env.SANDBOX_COMPONENT_EVENT_URL || undefined,
      messageUrl: env.SANDBOX_COMPONENT_MESSAGE_URL || undefined,
      authDomain: env.SANDBOX_COMPONENT_AUTH_DOMAIN || undefined,
    });
  }
  if (errors.length > 0) {
    throw new Error(`invalid configuration (${errors.length} key(s)):\n  ${errors.join('\n  ')}`);
  }
  const seed = !['0', 'false', 'no', 'off'].includes((env.SANDBOX_SEED_DEMO ?? '').toLowerCase());
  return {
    port,
    host: env.SANDBOX_HOST || '127.0.0.1',
    components,
    settings: { ticketPushIntervalMs },
    accounts: seed ? [...DEMO_ACCOUNTS] : [],
    logLevels: ['error', 'warn'],
  };
}

async function main(): Promise<void> {
  let options: SandboxOptions;
  try {
    options = fromEnvironment(process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const sandbox = await startSandbox(options);
  process.stdout.write(
    `WeChat sandbox listening on ${sandbox.url} (${options.components?.length ?? 0} component(s), ` +
      `${options.accounts?.length ?? 0} account(s)); control API at ${sandbox.url}/sandbox\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: shutting down\n`);
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sandbox failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
