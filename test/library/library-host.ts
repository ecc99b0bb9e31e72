import {
  DynamicModule,
  INestApplicationContext,
  LoggerService,
  Module,
  Provider,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { startSandbox } from '@app/sandbox';
import {
  Clock,
  ComponentConfig,
  ComponentEventService,
  WechatOpenModule,
  WechatOpenModuleOptions,
} from '@app/wechat-open';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { signedPush } from '../support/push.js';
import { SandboxControl } from '../support/sandbox-control.js';
import { newComponent } from '../support/stack.js';

/** A clock the test moves by hand (the library reads time only through its Clock). */
export class TestClock extends Clock {
  constructor(public ms = Date.now()) {
    super();
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** Every log line a host printed, by level (the library logs through Nest's Logger). */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; message: string; context?: string }[] = [];
  private add(level: string, message: unknown, rest: unknown[]) {
    const context = rest.length > 0 ? String(rest[rest.length - 1]) : undefined;
    this.lines.push({ level, message: String(message), context });
  }
  log(message: unknown, ...rest: unknown[]) {
    this.add('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.add('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.add('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.add('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.add('verbose', message, rest);
  }
}

@Module({})
class HostModule {}

export interface HostOptions {
  /** Import ScheduleModule.forRoot() in the host, as a host that runs the library's jobs must. */
  schedule?: boolean;
  /** Library options over the defaults below. */
  options?: Partial<WechatOpenModuleOptions>;
  /** The host's own providers (its @Cron jobs, for example). */
  providers?: Provider[];
  logger?: LoggerService | false;
}

/**
 * A database, a sandbox and a way to start plain Nest hosts of the library (no HTTP server) on
 * them: how an application that embeds `@app/wechat-open` in its own module looks.
 */
export interface LibraryFixture {
  db: TestDatabase;
  sandbox: SandboxControl;
  component: ComponentConfig;
  start(host?: HostOptions): Promise<INestApplicationContext>;
  /** Delivers a ticket push, signed and encrypted like WeChat's, to a host. */
  pushTicket(
    host: INestApplicationContext,
    ticket: string,
    createTime: number,
  ): Promise<{ disposition: { outcome: string } }>;
  close(): Promise<void>;
}

export async function libraryFixture(
  sandboxComponent: Record<string, unknown> = {},
): Promise<LibraryFixture> {
  const db = await createTestDatabase();
  const sandboxHandle = await startSandbox({ port: 0 });
  const sandbox = new SandboxControl(sandboxHandle.url);
  await sandbox.settings({ ticketPushIntervalMs: 0 });
  const component = newComponent();
  // No event URL unless the test gives one: WeChat's pushes then have nowhere to go.
  await sandbox.addComponent({ ...component, ...sandboxComponent });
  const hosts: INestApplicationContext[] = [];

  const start = async (host: HostOptions = {}): Promise<INestApplicationContext> => {
    const module: DynamicModule = {
      module: HostModule,
      imports: [
        ...(host.schedule === false ? [] : [ScheduleModule.forRoot()]),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: db.url,
          poolSize: db.poolSize,
          autoLoadEntities: true,
          synchronize: false,
          logging: ['error'],
        }),
        WechatOpenModule.forRoot({
          components: [component],
          dataKeys: [{ kid: 't1', key: Buffer.alloc(32, 7) }],
          api: { baseUrl: sandboxHandle.url, timeoutMs: 2000 },
          authPages: { mpBaseUrl: sandboxHandle.url, openBaseUrl: sandboxHandle.url },
          authorizer: { notifications: false },
          ...host.options,
        }),
      ],
      providers: host.providers ?? [],
    };
    const app = await NestFactory.createApplicationContext(module, {
      abortOnError: false,
      logger: host.logger ?? false,
    });
    app.enableShutdownHooks();
    hosts.push(app);
    return app;
  };

  return {
    db,
    sandbox,
    component,
    start,
    pushTicket: async (host, ticket, createTime) => {
      const push = signedPush(component, {
        AppId: component.appid,
        CreateTime: createTime,
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: ticket,
      });
      return host
        .get(ComponentEventService)
        .receive(component.appid, Object.fromEntries(new URLSearchParams(push.query)), push.body);
    },
    close: async () => {
      for (const app of hosts.reverse()) await app.close().catch(() => undefined);
      await sandboxHandle.close();
      await db.drop();
    },
  };
}
