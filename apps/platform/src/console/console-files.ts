import { existsSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
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

/** What a path under /console/ names, before looking at the disk. */
export type ConsoleTarget =
  { kind: 'file'; path: string; hashedAsset: boolean } | { kind: 'invalid' };

/**
 * Resolves the (already percent-decoded) rest of a /console/ URL inside `root`. Anything that
 * could leave the folder is invalid: `..` or `.` segments, backslashes, NUL bytes, and a result
 * outside `root` as a last check. Hidden names (`.env`) are never files of the console.
 */
export function resolveConsolePath(root: string, rest: string): ConsoleTarget {
  if (rest.includes('\0') || rest.includes('\\')) return { kind: 'invalid' };
  const segments = rest.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return { kind: 'invalid' };
  const base = resolve(root);
  const path = resolve(base, ...segments);
  if (path !== base && !path.startsWith(base + sep)) return { kind: 'invalid' };
  return {
    kind: 'file',
    path,
    hashedAsset: segments.length > 1 && segments[0] === 'assets',
  };
}

/** True when a segment of the path is hidden (dotfiles are not served). */
export function isHidden(rest: string): boolean {
  return rest.split('/').some((s) => s.startsWith('.'));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** The content type of a file of the build, by its extension (unknown: octet-stream). */
export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}
