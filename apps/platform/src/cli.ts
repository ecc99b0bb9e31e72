import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import {
  parseWechatXml,
  requireField,
  signJsSdk,
  WechatMessageCrypto,
  WechatOpenError,
} from '@app/wechat-open';
import { DataSource } from 'typeorm';
import { ApiKeyEntity, TenantEntity } from './access/access.entities.js';
import { AccessRepository } from './access/access.repository.js';
import { ApiKeysService } from './access/api-keys.service.js';
import { auditorRoleSql, DEFAULT_AUDITOR_ROLE } from './audit/auditor-role.sql.js';
import { formatJson } from './cli/cli-table.js';
import { formatMigrationStatus, migrationStatus } from './cli/migration-status.js';
import { OperatorContext, registerOperatorCommands } from './cli/operator-commands.js';
import { PLATFORM_ENTITIES } from './entities.js';
import { validateEnvironment } from './config/environment.js';
import { EmbeddedPostgres } from './database/embedded-postgres.js';
import { revertLastMigration, runMigrations } from './database/migration-runner.js';
import { registerRotateDataKeyCommand } from './key-rotation/rotate-data-key.command.js';

function cryptoFrom(o: { token: string; aesKey: string; appid: string }): WechatMessageCrypto {
  return new WechatMessageCrypto({ token: o.token, encodingAesKey: o.aesKey, appid: o.appid });
}

async function withDatabase<T>(fn: (url: string, shared: boolean) => Promise<T>): Promise<T> {
  const env = validateEnvironment(process.env);
  if (env.DATABASE_URL) return fn(env.DATABASE_URL, true);
  const embedded = new EmbeddedPostgres({ dataDir: env.EMBEDDED_PG_DIR });
  try {
    return await fn(await embedded.start(), false);
  } finally {
    await embedded.stop();
  }
}

/** The API key service on a plain DataSource (no Nest container needed to make a key). */
async function withAccess<T>(url: string, fn: (keys: ApiKeysService) => Promise<T>): Promise<T> {
  const ds = new DataSource({ type: 'postgres', url, poolSize: 1, entities: PLATFORM_ENTITIES });
  await ds.initialize();
  try {
    const repo = new AccessRepository(
      ds.getRepository(TenantEntity),
      ds.getRepository(ApiKeyEntity),
    );
    return await fn(new ApiKeysService(repo));
  } finally {
    await ds.destroy();
  }
}

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  stdin: () => string;
  /** Standard error is a terminal (progress bars). Default false. */
  errIsTty?: boolean;
}

/**
 * `context`: where the operator commands find the platform's services (default: booted from the
 * environment, schedulers off); tests hand in a running instance's.
 */
export function buildCli({ out, err, stdin, errIsTty }: CliIo, context?: OperatorContext): Command {
  const program = new Command('cli')
    .description(
      'Tools for people debugging WeChat callbacks and JS-SDK signatures, and migrations.',
    )
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });

  program
    .command('decrypt')
    .description(
      'Verify and decrypt a pushed envelope (<xml>...<Encrypt>...</Encrypt></xml>) read from standard input; ' +
        'prints the decrypted XML exactly as WeChat encrypted it.',
    )
    .requiredOption('--token <token>', 'the component message token (消息校验Token)')
    .requiredOption('--aes-key <key>', 'the 43-character EncodingAESKey')
    .requiredOption('--appid <appid>', 'the component appid (the receive id inside the message)')
    .requiredOption('--timestamp <ts>', 'the timestamp query parameter of the push')
    .requiredOption('--nonce <nonce>', 'the nonce query parameter of the push')
    .requiredOption('--msg-signature <sig>', 'the msg_signature query parameter of the push')
    .option('--signature <sig>', 'the plain signature query parameter, verified too when given')
    .action(
      (o: {
        token: string;
        aesKey: string;
        appid: string;
        timestamp: string;
        nonce: string;
        msgSignature: string;
        signature?: string;
      }) => {
        const envelope = parseWechatXml(stdin());
        const { message } = cryptoFrom(o).open(
          {
            timestamp: o.timestamp,
            nonce: o.nonce,
            msgSignature: o.msgSignature,
            signature: o.signature,
          },
          requireField(envelope, 'Encrypt'),
        );
        out(message);
      },
    );

  program
    .command('encrypt')
    .description(
      'Encrypt and sign a reply read from standard input; prints the reply envelope XML.',
    )
    .requiredOption('--token <token>', 'the component message token')
    .requiredOption('--aes-key <key>', 'the 43-character EncodingAESKey')
    .requiredOption('--appid <appid>', 'the component appid')
    .option('--timestamp <ts>', 'TimeStamp of the reply (default: now)')
    .option('--nonce <nonce>', 'Nonce of the reply (default: random digits)')
    .action(
      (o: { token: string; aesKey: string; appid: string; timestamp?: string; nonce?: string }) => {
        const sealed = cryptoFrom(o).seal(stdin(), {
          timestamp: o.timestamp ?? String(Math.floor(Date.now() / 1000)),
          nonce: o.nonce ?? String(randomInt(100_000_000, 999_999_999)),
        });
        out(`${sealed.xml}\n`);
      },
    );

  program
    .command('jssdk-sign')
    .description(
      'Compute a JS-SDK wx.config signature; prints string1=... and signature=... ' +
        '(a #fragment in the URL is dropped, as WeChat requires, with a note on standard error).',
    )
    .requiredOption('--ticket <ticket>', 'the jsapi_ticket')
    .requiredOption('--noncestr <nonce>', 'the nonceStr given to wx.config')
    .requiredOption('--timestamp <ts>', 'the timestamp given to wx.config')
    .requiredOption('--url <url>', 'the page URL')
    .action((o: { ticket: string; noncestr: string; timestamp: string; url: string }) => {
      const s = signJsSdk({
        ticket: o.ticket,
        nonceStr: o.noncestr,
        timestamp: o.timestamp,
        url: o.url,
      });
      if (s.fragmentDropped) err(`note: dropped the #fragment; signed url=${s.url}\n`);
      out(`string1=${s.string1}\nsignature=${s.signature}\n`);
    });

  const migrate = program
    .command('migrate')
    .description(
      'Apply, revert or list database migrations (DATABASE_URL, else the embedded database).',
    );
  migrate
    .command('run')
    .description('apply every pending migration')
    .action(() =>
      withDatabase(async (url, shared) => {
        const applied = await runMigrations(url, { lock: shared });
        out(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
      }),
    );
  migrate
    .command('revert')
    .description('revert the newest applied migration')
    .action(() =>
      withDatabase(async (url) => {
        out(
          (await revertLastMigration(url))
            ? 'reverted the newest migration\n'
            : 'nothing to revert\n',
        );
      }),
    );
  migrate
    .command('status')
    .description(
      'list every migration, applied or pending (and any applied one this build does not know)',
    )
    .option('--json', 'print JSON: [{name, timestamp, state}], state applied | pending | unknown')
    .action((o: { json?: boolean }) =>
      withDatabase(async (url) => {
        const statuses = await migrationStatus(url);
        out(o.json ? formatJson(statuses) : formatMigrationStatus(statuses));
      }),
    );
  program
    .command('create-operator-key')
    .description(
      'Create an operator API key (every tenant, every admin endpoint) and print it once: the ' +
        'first key of a new installation comes from here, never from a default. Applies pending ' +
        'migrations first (DATABASE_URL, else the embedded database).',
    )
    .requiredOption('--name <name>', 'what the key is for, e.g. "ops laptop"')
    .action((o: { name: string }) =>
      withDatabase(async (url, shared) => {
        await runMigrations(url, { lock: shared });
        const { key, view } = await withAccess(url, (keys) =>
          keys.create({ kind: 'operator', name: o.name, createdBy: 'cli' }),
        );
        err(`created operator key ${view.prefix} (${view.id}); it is shown once, store it now:\n`);
        out(`${key}\n`);
      }),
    );

  program
    .command('auditor-role-sql')
    .description(
      "Print the SQL that creates a role reading the audit schema's views and nothing else " +
        '(NOLOGIN unless --login); run it with psql as the owner of the views.',
    )
    .option('--role <name>', 'the role to create', DEFAULT_AUDITOR_ROLE)
    .option('--login', "a role that logs in; psql -v auditor_password='...' sets its password")
    .action((o: { role: string; login?: boolean }) => {
      out(auditorRoleSql({ role: o.role, login: o.login === true }));
    });

  registerOperatorCommands(program, { out, err, errIsTty }, context);
  registerRotateDataKeyCommand(program, { out, err, errIsTty }, withDatabase);
  return program;
}

/** Runs the CLI; returns the exit code. */
export async function runCli(
  argv: string[],
  io: CliIo,
  context?: OperatorContext,
): Promise<number> {
  const { err } = io;
  const program = buildCli(io, context);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof WechatOpenError) err(`error: ${error.code}: ${error.message}\n`);
    else err(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    stdin: () => readFileSync(0, 'utf8'),
    errIsTty: process.stderr.isTTY,
  }).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
