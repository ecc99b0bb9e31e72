import { spawn, ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/stack.js';

/** The sandbox in a process of its own, as WeChat is remote: it does not share our event loop. */
export async function startSandboxProcess(): Promise<{
  url: string;
  pid: number;
  stop(): Promise<void>;
}> {
  const port = await freePort();
  const main = fileURLToPath(new URL('../apps/sandbox/src/main.js', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      SANDBOX_PORT: String(port),
      SANDBOX_SEED_DEMO: 'false',
      SANDBOX_TICKET_PUSH_INTERVAL_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
