import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Runs the platform's CLI from its TypeScript sources in a process of its own, as vitest runs
 * them (Vite's module runner, SWC for Nest's decorator metadata, the path aliases), so that a
 * test can SIGKILL a real `cli` process without building dist/ first. Evaluated with `node -e`
 * from the repository's root, where `vite` and `unplugin-swc` resolve.
 */
const RUNNER = `
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import swc from 'unplugin-swc';
import { createServer, createServerModuleRunner } from 'vite';

const root = process.cwd();
const server = await createServer({
  configFile: false,
  root,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
  resolve: {
    alias: {
      '@app/wechat-open': resolve(root, 'libs/wechat-open/src'),
      '@wechat-open/nestjs': resolve(root, 'libs/wechat-open/src'),
      '@app/sandbox': resolve(root, 'apps/sandbox/src'),
    },
  },
  plugins: [swc.vite({ module: { type: 'es6' } })],
});
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
const { runCli } = await runner.import('/apps/platform/src/cli.ts');
const code = await runCli(JSON.parse(process.env.CLI_ARGS), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  stdin: () => readFileSync(0, 'utf8'),
  errIsTty: false,
});
process.exit(code);
`;

export interface CliProcess {
  proc: ChildProcess;
  /** The exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote so far. */
  output(): { out: string; err: string };
}

/** Starts `cli <args>` with only `env` (plus PATH and HOME) in its environment. */
export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', RUNNER], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...env,
      CLI_ARGS: JSON.stringify(args),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    proc.on('exit', (code, signal) => done({ code, signal })),
  );
  return { proc, exited, output: () => ({ out, err }) };
}
