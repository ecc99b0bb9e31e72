// npm run migration:create -- AddSomething
// Writes migrations/<unix-ms>-AddSomething.ts (raw SQL, with a down()) and registers it in
// migrations/index.ts, oldest first.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const name = process.argv[2];
if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
  process.stderr.write('usage: npm run migration:create -- PascalCaseName\n');
  process.exit(2);
}
const ts = Date.now();
const cls = `${name}${ts}`;
const file = `migrations/${ts}-${name}.ts`;
writeFileSync(
  file,
  `import { MigrationInterface, QueryRunner } from 'typeorm';

/** TODO: say why this change is needed. */
export class ${cls} implements MigrationInterface {
  name = '${cls}';

  async up(q: QueryRunner): Promise<void> {
    await q.query(\`SELECT 1\`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(\`SELECT 1\`);
  }
}
`,
);
const index = 'migrations/index.ts';
let text = readFileSync(index, 'utf8');
const lines = text.split('\n');
const lastImport = lines.reduce((at, line, i) => (line.startsWith('import ') ? i : at), -1);
lines.splice(lastImport + 1, 0, `import { ${cls} } from './${ts}-${name}.js';`);
text = lines.join('\n');
text = text.replace(
  /export const MIGRATIONS = \[([^\]]*)\]/,
  (_, list) => `export const MIGRATIONS = [${list.trim().replace(/,$/, '')}, ${cls}]`,
);
writeFileSync(index, text);
execFileSync('npx', ['prettier', '--write', file, index], { stdio: 'ignore' });
process.stdout.write(`created ${file} and registered it in ${index}\n`);
