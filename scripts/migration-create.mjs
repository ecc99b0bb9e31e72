// npm run migration:create -- AddSomething          the library's schema (the default)
// npm run migration:create -- --app AddSomething    the platform's own tables
// Writes <folder>/<unix-ms>-AddSomething.ts (raw SQL, with a down()) and registers it, oldest
// first, in that folder's index.ts:
//   libs/wechat-open/src/migrations/  -> wechatOpenMigrations (shipped with @wechat-open/nestjs)
//   migrations/                       -> APP_MIGRATIONS (run by the platform after the library's)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const app = args.includes('--app');
const name = args.find((a) => !a.startsWith('--'));
if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
  process.stderr.write('usage: npm run migration:create -- [--app] PascalCaseName\n');
  process.exit(2);
}
const folder = app ? 'migrations' : 'libs/wechat-open/src/migrations';
const list = app ? 'APP_MIGRATIONS' : 'wechatOpenMigrations';
const ts = Date.now();
const cls = `${name}${ts}`;
const file = `${folder}/${ts}-${name}.ts`;
const index = `${folder}/index.ts`;
let text = readFileSync(index, 'utf8');
const lines = text.split('\n');
const lastImport = lines.reduce((at, line, i) => (line.startsWith('import ') ? i : at), -1);
lines.splice(lastImport + 1, 0, `import { ${cls} } from './${ts}-${name}.js';`);
text = lines.join('\n');
const pattern = new RegExp(`export const ${list}(: [^\\n]*?)? = \\[([^\\]]*)\\]`);
if (!pattern.test(text)) {
  process.stderr.write(`could not find "export const ${list} = [...]" in ${index}\n`);
  process.exit(1);
}
text = text.replace(pattern, (_, type = '', items) => {
  const kept = items.trim().replace(/,$/, '');
  return `export const ${list}${type} = [${kept ? `${kept}, ` : ''}${cls}]`;
});
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
writeFileSync(index, text);
execFileSync('npx', ['prettier', '--write', file, index], { stdio: 'ignore' });
process.stdout.write(`created ${file} and registered it in ${list} (${index})\n`);
