import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Command } from 'commander';
import {
  AuthorizerService,
  AuthorizerStatus,
  AuthorizerTokenService,
  Clock,
  ComponentEventService,
  ComponentRegistry,
} from '@app/wechat-open';
import { AppModule } from '../app.module.js';
import { ApiError } from '../common/api-error.js';
import { validateEnvironment } from '../config/environment.js';
import { toPlatformConfig } from '../config/platform-config.js';
import { EmbeddedPostgres } from '../database/embedded-postgres.js';
import { authorizerView, tokenHealthView } from '../dashboard/authorizer.view.js';
import { ComponentAppidPipe, RidPipe } from '../operator/component-appid.pipe.js';
import { CGI_PATH } from '../operator/operator.dto.js';
import { OperatorService } from '../operator/operator.service.js';
import { formatFields, formatJson, formatTable } from './cli-table.js';
import { SyncProgress } from './sync-progress.js';

/** Runs `fn` with the platform's services (a Nest context without HTTP), then closes it. */
export type OperatorContext = <T>(fn: (app: INestApplicationContext) => Promise<T>) => Promise<T>;

export interface OperatorIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Standard error is a terminal: progress is drawn in place rather than printed line by line. */
  errIsTty?: boolean;
}

const STATUSES: readonly AuthorizerStatus[] = [
  'authorized',
  'revoked',
  'needs_reauth',
  'detached',
] as const satisfies readonly AuthorizerStatus[];

/**
 * The service as `npm start` would build it from the environment, with schedulers off (a CLI
 * run never runs a cron, refreshes a batch or sends a delivery) and logs on standard error
 * (standard output stays the command's table or JSON).
 */
export function environmentContext(err: (s: string) => void): OperatorContext {
  return async (fn) => {
    const env = validateEnvironment(process.env);
    const config = toPlatformConfig(env, (m) => err(`warning: ${m}\n`));
    const wechat = config.wechat;
    if (!wechat)
      throw new Error(
        'this command talks to WeChat: set WECHAT_API_BASE_URL and WECHAT_COMPONENTS',
      );
    const embedded = env.DATABASE_URL
      ? undefined
      : new EmbeddedPostgres({ dataDir: env.EMBEDDED_PG_DIR });
    const url = env.DATABASE_URL ?? (await embedded!.start());
    try {
      const app = await NestFactory.createApplicationContext(
        AppModule.forRoot(
          { ...config, schedulers: false, logLevel: 'warn' },
          { databaseUrl: url, poolSize: embedded ? 1 : 2, wechat },
          { logStream: { write: (line: string) => err(line) } },
        ),
        { logger: false },
      );
      try {
        return await fn(app);
      } finally {
        await app.close();
      }
    } finally {
      await embedded?.stop();
    }
  };
}

/** The platform's own errors carry their stable code into the CLI's one-line error. */
async function withCodes<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ApiError)
      throw new Error(`${error.code}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** A configured component's appid, else NOT_FOUND (as the admin API answers). */
function component(app: INestApplicationContext, appid: string): string {
  return new ComponentAppidPipe(app.get(ComponentRegistry, { strict: false })).transform(appid);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new Error('--limit is 1..200');
  return n;
}

function statusOption(value: string): AuthorizerStatus {
  const status = STATUSES.find((s) => s === value);
  if (!status) throw new Error(`--status is one of ${STATUSES.join(', ')}`);
  return status;
}

/**
 * The operator's commands: what the operator admin API (/v1/components) shows and does, from a
 * shell. A short table by default, `--json` for scripts; never a token or a secret.
 */
export function registerOperatorCommands(
  program: Command,
  io: OperatorIo,
  context: OperatorContext = environmentContext(io.err),
): void {
  const { out, err } = io;
  const run = <T>(fn: (app: INestApplicationContext) => Promise<T>) => withCodes(() => context(fn));

  program
    .command('components')
    .description(
      "Each configured component's health: verify ticket age, component token expiry, refresh " +
        'backlog (tokens past their planned refresh), accounts failing, failed jobs.',
    )
    .option('--json', 'print JSON (the admin API GET /v1/components items)')
    .action((o: { json?: boolean }) =>
      run(async (app) => {
        const items = await app.get(OperatorService, { strict: false }).components();
        if (o.json) return out(formatJson(items));
        out(
          formatTable(
            [
              'COMPONENT',
              'TICKET_AGE_S',
              'TICKET_STALE',
              'TOKEN_EXPIRES',
              'BACKLOG',
              'FAILING',
              'FAILED_JOBS',
            ],
            items.map((c) => [
              c.appid,
              c.ticket.ageSec,
              c.ticket.stale,
              c.token.expiresAt,
              c.refreshBacklog.due,
              c.refreshBacklog.failing,
              c.failedJobs,
            ]),
          ),
        );
      }),
    );

  const authorizers = program
    .command('authorizers')
    .description('Authorized accounts: list, show one, refresh one now (never a token).');
  authorizers
    .command('list')
    .description('Accounts matching the filters, newest authorization first.')
    .option('--tenant <id>', "only this tenant's accounts")
    .option('--component <appid>', "only this component's accounts")
    .option('--status <status>', `one of ${STATUSES.join(', ')}`, statusOption)
    .option('--q <text>', 'a substring of the nick name, principal name or appid')
    .option('--limit <n>', '1..200 (default 50)', positiveInt)
    .option('--json', 'print JSON')
    .action(
      (o: {
        tenant?: string;
        component?: string;
        status?: AuthorizerStatus;
        q?: string;
        limit?: number;
        json?: boolean;
      }) =>
        run(async (app) => {
          const page = await app.get(AuthorizerService, { strict: false }).search({
            tenantId: o.tenant,
            componentAppid: o.component,
            statuses: o.status ? [o.status] : undefined,
            text: o.q,
            limit: o.limit,
          });
          const items = page.items.map(authorizerView);
          if (o.json) return out(formatJson({ total: page.total, items }));
          out(
            formatTable(
              ['AUTHORIZER', 'COMPONENT', 'STATUS', 'KIND', 'NICK_NAME', 'TENANT', 'AUTHORIZED_AT'],
              items.map((a) => [
                a.authorizerAppid,
                a.componentAppid,
                a.status,
                a.accountKind,
                a.nickName,
                a.tenantId,
                a.authorizedAt,
              ]),
            ),
          );
          if (page.total > items.length) out(`(${items.length} of ${page.total}; see --limit)\n`);
        }),
    );
  authorizers
    .command('show')
    .description('One account: its record, permission sets and token health (never a token).')
    .argument('<componentAppid>')
    .argument('<authorizerAppid>')
    .option('--json', 'print JSON')
    .action((componentAppid: string, authorizerAppid: string, o: { json?: boolean }) =>
      run(async (app) => {
        const accounts = app.get(AuthorizerService, { strict: false });
        const record = await accounts.get(componentAppid, authorizerAppid);
        const health = await accounts.tokenHealth(componentAppid, authorizerAppid);
        const view = {
          ...authorizerView(record),
          tokenHealth: tokenHealthView(record, health, app.get(Clock, { strict: false }).now()),
        };
        if (o.json) return out(formatJson(view));
        const t = view.tokenHealth;
        out(
          formatFields([
            ['authorizer', view.authorizerAppid],
            ['component', view.componentAppid],
            ['status', view.status],
            ['kind', view.accountKind],
            ['nick name', view.nickName],
            ['principal', view.principalName],
            ['tenant', view.tenantId],
            ['permission sets', view.permissionSets.map((p) => p.id).join(',')],
            ['authorized at', view.authorizedAt],
            ['token expires', t?.expiresAt],
            ['next refresh', t?.nextRefreshAt],
            ['last refresh', t?.lastRefreshAt],
            ['refresh failures', t?.failures],
            ['last errcode', t?.lastErrcode],
          ]),
        );
      }),
    );
  authorizers
    .command('refresh')
    .description(
      "Refresh the account's access token now through api_authorizer_token (the library's " +
        'compare-and-swap: one refresh however many instances hold the token); with --profile, ' +
        'its profile (api_get_authorizer_info) too.',
    )
    .argument('<componentAppid>')
    .argument('<authorizerAppid>')
    .option('--profile', 'refresh the profile too')
    .option('--json', 'print JSON')
    .action(
      (componentAppid: string, authorizerAppid: string, o: { profile?: boolean; json?: boolean }) =>
        run(async (app) => {
          const accounts = app.get(AuthorizerService, { strict: false });
          // An unknown account is AUTHORIZER_NOT_FOUND before anything is asked of WeChat.
          await accounts.get(componentAppid, authorizerAppid);
          const tokens = app.get(AuthorizerTokenService, { strict: false });
          const current = await tokens.getAuthorizerToken(authorizerAppid, componentAppid);
          // Reporting the current token as rejected makes it due (if it still is the current
          // one) and fetches the next: the same path a 40001 takes, never a second writer.
          const next = await tokens.rejectToken(authorizerAppid, current.token, componentAppid);
          const profile = o.profile
            ? await accounts.refreshProfile(componentAppid, authorizerAppid)
            : null;
          const result = {
            componentAppid,
            authorizerAppid,
            tokenExpiresAt: next.expiresAt,
            profileRefreshed: profile !== null,
          };
          if (o.json) return out(formatJson(result));
          out(
            `${authorizerAppid}: token refreshed, expires ${next.expiresAt.toISOString()}` +
              `${profile ? '; profile refreshed' : ''}\n`,
          );
        }),
    );

  program
    .command('sync-authorizers')
    .description(
      'Recover refresh tokens and register accounts the database does not know (after a restore, say) ' +
        'from api_get_authorizer_list, with a progress bar on a terminal. Uses the service configuration ' +
        '(WECHAT_API_BASE_URL, WECHAT_COMPONENTS, DATA_ENCRYPTION_KEYS; DATABASE_URL, else the embedded database).',
    )
    .option('--component <appid>', 'only this component (default: every configured one)')
    .option('--json', 'print JSON')
    .action((o: { component?: string; json?: boolean }) =>
      run(async (app) => {
        const accounts = app.get(AuthorizerService, { strict: false });
        const appids = o.component
          ? [component(app, o.component)]
          : app.get(ComponentRegistry, { strict: false }).appids();
        const results = [];
        for (const appid of appids) {
          const progress = new SyncProgress(appid, err, io.errIsTty === true);
          try {
            const r = await accounts.syncAuthorizerList(appid, (p) => progress.update(p));
            results.push({ componentAppid: appid, ...r });
          } finally {
            progress.stop();
          }
        }
        if (o.json) return out(formatJson(results));
        for (const r of results)
          out(
            `${r.componentAppid}: ${r.seen} listed, ${r.created} new, ${r.recovered} recovered\n`,
          );
      }),
    );

  const events = program.command('events').description('Stored authorization-event pushes.');
  events
    .command('replay')
    .description(
      "Run a stored push's handlers again (the admin API's POST .../events/:eventId/replay); " +
        'pushes whose credential was never stored cannot be replayed.',
    )
    .argument('<componentAppid>')
    .argument('<eventId>')
    .option('--json', 'print JSON')
    .action((componentAppid: string, eventId: string, o: { json?: boolean }) =>
      run(async (app) => {
        const r = await app
          .get(ComponentEventService, { strict: false })
          .replay(component(app, componentAppid), eventId);
        if (o.json) return out(formatJson({ eventId, ...r }));
        out(`${eventId}: ${r.infoType} ${r.disposition}${r.note ? ` (${r.note})` : ''}\n`);
      }),
    );

  program
    .command('quota')
    .description("WeChat's daily quota of one API for the component (getApiQuota).")
    .argument('<componentAppid>')
    .argument('<cgiPath>', 'e.g. /cgi-bin/message/custom/send')
    .option('--json', 'print JSON')
    .action((componentAppid: string, cgiPath: string, o: { json?: boolean }) =>
      run(async (app) => {
        if (!CGI_PATH.test(cgiPath))
          throw new ApiError(400, 'INVALID_QUERY', 'cgiPath is an absolute API path: /cgi-bin/...');
        const q = await app
          .get(OperatorService, { strict: false })
          .apiQuota(component(app, componentAppid), cgiPath);
        if (o.json) return out(formatJson(q));
        out(
          formatTable(
            ['CGI_PATH', 'DAILY_LIMIT', 'USED', 'REMAIN'],
            [[q.cgiPath, q.dailyLimit, q.used, q.remain]],
          ),
        );
      }),
    );

  program
    .command('rid')
    .description(
      "Explain a failed call from the rid in WeChat's error message (getRidInfo; tokens in " +
        'the request are redacted).',
    )
    .argument('<componentAppid>')
    .argument('<rid>')
    .option('--json', 'print JSON')
    .action((componentAppid: string, rid: string, o: { json?: boolean }) =>
      run(async (app) => {
        const info = await app
          .get(OperatorService, { strict: false })
          .ridInfo(component(app, componentAppid), new RidPipe().transform(rid));
        if (o.json) return out(formatJson(info));
        out(
          formatFields([
            ['rid', info.rid],
            ['invoked at', info.invokeTime],
            ['cost ms', info.costMs],
            ['client ip', info.clientIp],
            ['request url', info.requestUrl],
            ['request body', info.requestBody],
            ['response body', info.responseBody],
          ]),
        );
      }),
    );
}
