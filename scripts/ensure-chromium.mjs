// Makes sure the browser the console's tests drive is installed: Debian's chromium (playwright's
// own download cannot work offline). Quiet when it is there; installs it when running as root
// with apt-get (CI, containers); otherwise says how, and fails.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].filter(Boolean);
if (candidates.some((path) => existsSync(path))) process.exit(0);

const hasAptGet = () => {
  try {
    execSync('command -v apt-get', { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};

if (process.getuid?.() === 0 && hasAptGet()) {
  process.stdout.write(
    "chromium is missing: installing Debian's chromium (apt-get) for the browser tests\n",
  );
  try {
    execSync(
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium',
      { stdio: ['ignore', 'ignore', 'inherit'], shell: '/bin/sh' },
    );
  } catch {
    process.stderr.write('installing chromium failed (see above)\n');
    process.exit(1);
  }
  if (existsSync('/usr/bin/chromium')) process.exit(0);
  process.stderr.write('apt-get finished but /usr/bin/chromium is still missing\n');
  process.exit(1);
}

process.stderr.write(
  'The browser tests need Chromium at /usr/bin/chromium (or CHROMIUM_PATH).\n' +
    'Install it: sudo apt-get install chromium (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium binary.\n',
);
process.exit(1);
