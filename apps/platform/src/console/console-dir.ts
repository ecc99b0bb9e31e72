import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the console's build lands, from the repository root (Vite's `outDir`). */
export const CONSOLE_BUILD_DIR = join('dist', 'console');

/**
 * The folder of the built console: `<repo>/dist/console`, the repository root being the first
 * folder above this file that holds a package.json. This holds from the sources under vitest
 * (`apps/platform/src/console`) and from the build (`dist/apps/platform/src/console`), in a
 * checkout as in the Docker image (`/app`).
 */
export function defaultConsoleDir(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, CONSOLE_BUILD_DIR);
    const parent = dirname(dir);
    // No package.json above (an unusual layout): CONSOLE_DIR names the folder then.
    if (parent === dir) return resolve(CONSOLE_BUILD_DIR);
    dir = parent;
  }
}
