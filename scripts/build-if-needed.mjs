// Builds dist/ when it is missing or any source is newer than the last build, so `npm start`
// works on a fresh clone and stays fast afterwards.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const stamp = 'dist/.build-stamp';
const entry = 'dist/apps/platform/src/main.js';
// The console's build (Vite, `npm run build:console`): apps/console is under `apps` below.
const consoleEntry = 'dist/console/index.html';
const roots = [
  'apps',
  'libs',
  'migrations',
  'bench',
  'test/support',
  'tsconfig.json',
  'tsconfig.build.json',
  'package-lock.json',
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(path)) {
    // A build output (libs/wechat-open/dist, rebuilt by `npm pack`) or a bench's results
    // (bench/results) is not a source.
    if (name === 'dist' || name === 'node_modules' || name === 'results') continue;
    max = Math.max(max, newest(join(path, name)));
  }
  return max;
}

const complete = [stamp, entry, consoleEntry].every((path) => existsSync(path));
const built = complete ? statSync(stamp).mtimeMs : 0;
if (built === 0 || roots.some((r) => newest(r) > built)) {
  process.stderr.write('building dist/ ...\n');
  execSync('npm run -s build', { stdio: 'inherit' });
  writeFileSync(stamp, new Date().toISOString());
}
