// Builds dist/ when any TypeScript source is newer than the last build, so `npm start` works on a
// fresh clone and stays fast afterwards.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

const marker = 'dist/.tsbuildinfo';
const roots = ['apps', 'libs', 'migrations', 'bench', 'tsconfig.json', 'tsconfig.build.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

const built = existsSync(marker) ? statSync(marker).mtimeMs : 0;
if (built === 0 || roots.some((r) => newest(r) > built)) {
  process.stderr.write('building dist/ ...\n');
  execSync('npm run -s build', { stdio: 'inherit' });
  const now = new Date();
  utimesSync(marker, now, now);
}
