import { DynamicModule, Inject, Injectable, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ComponentRegistry,
  ComponentTokenService,
  VerifyTicketService,
  WECHAT_OPEN_ENTITIES,
  WechatApiClient,
  wechatOpenMigrations,
  WechatOpenModule,
  WechatOpenModuleOptions,
  WechatOpenOptionsFactory,
} from '@app/wechat-open';
import { createTestDatabase, TestDatabase } from '../support/database.js';
import { createEmptyDatabase, EmptyDatabase } from '../support/empty-database.js';
import { libraryFixture, LibraryFixture } from './library-host.js';

/** What the host's own configuration knows (its ConfigService, in a real service). */
interface HostSettings {
  sandboxUrl: string;
  component: WechatOpenModuleOptions['components'][number];
  /** Far from the default (1800 s), so a status shows whether the host's value arrived. */
  ticketStaleAfterSec: number;
}

const HOST_SETTINGS = Symbol('HOST_SETTINGS');

/** The host's configuration service, which the options factories depend on. */
@Injectable()
class HostConfig {
  constructor(@Inject(HOST_SETTINGS) readonly settings: HostSettings) {}

  wechatOptions(): WechatOpenModuleOptions {
    const { sandboxUrl, component, ticketStaleAfterSec } = this.settings;
    return {
      components: [component],
      dataKeys: [{ kid: 'm1', key: Buffer.alloc(32, 3) }],
      api: { baseUrl: sandboxUrl, timeoutMs: 2000 },
      authPages: { mpBaseUrl: sandboxUrl, openBaseUrl: sandboxUrl },
      authorizer: { notifications: false },
      schedulers: false,
      ticketStaleAfterSec,
    };
  }
}

/** forRootAsync({ useClass }): the library makes its own instance, HostConfig from `imports`. */
@Injectable()
class ClassOptionsFactory implements WechatOpenOptionsFactory {
  static calls = 0;
  constructor(private readonly config: HostConfig) {}
  createWechatOpenOptions(): WechatOpenModuleOptions {
    ClassOptionsFactory.calls++;
    return this.config.wechatOptions();
  }
}

/** forRootAsync({ useExisting }): the host's own instance, provided by its config module. */
@Injectable()
class ExistingOptionsFactory implements WechatOpenOptionsFactory {
  calls = 0;
  constructor(private readonly config: HostConfig) {}
  async createWechatOpenOptions(): Promise<WechatOpenModuleOptions> {
    this.calls++;
    await Promise.resolve(); // an async factory, as one reading a secret store would be
    return this.config.wechatOptions();
  }
}

/** The host's configuration module: not global, so the library sees it only through `imports`. */
@Module({})
class HostConfigModule {
  static register(settings: HostSettings): DynamicModule {
    return {
      module: HostConfigModule,
      providers: [
        { provide: HOST_SETTINGS, useValue: settings },
        HostConfig,
        ExistingOptionsFactory,
      ],
      exports: [HostConfig, ExistingOptionsFactory],
    };
  }
}

@Module({})
class HostModule {}

describe('WechatOpenModule.forRootAsync (useClass, useExisting, imports) and a named DataSource', () => {
  let fx: LibraryFixture;
  const apps: INestApplicationContext[] = [];

  beforeAll(async () => {
    fx = await libraryFixture();
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close().catch(() => undefined);
    await fx?.close();
  });

  const settings = (): HostSettings => ({
    sandboxUrl: fx.sandbox.url,
    component: fx.component,
    ticketStaleAfterSec: 60,
  });

  /** The default DataSource on the fixture's migrated database, as library-host.ts has it. */
  const defaultDataSource = () =>
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: fx.db.url,
      poolSize: fx.db.poolSize,
      autoLoadEntities: true,
      synchronize: false,
      logging: ['error'],
    });

  async function boot(imports: DynamicModule['imports']): Promise<INestApplicationContext> {
    const app = await NestFactory.createApplicationContext(
      { module: HostModule, imports },
      { abortOnError: false, logger: false },
    );
    apps.push(app);
    return app;
  }

  /**
   * The host's values reached the library: its component and API base URL, its
   * ticketStaleAfterSec (a ticket made 120 s ago is stale under 60 s, fresh under the default),
   * and a ticket pushed to it mints a component token at the sandbox.
   */
  async function expectHostOptions(app: INestApplicationContext): Promise<void> {
    expect(app.get(ComponentRegistry).appids()).toEqual([fx.component.appid]);
    expect(app.get(WechatApiClient).baseUrl).toBe(fx.sandbox.url);
    const { ticket } = await fx.sandbox.pushTicket(fx.component.appid);
    const pushed = await fx.pushTicket(app, ticket, Math.floor(Date.now() / 1000) - 120);
    expect(pushed.disposition.outcome).toBe('applied');
    const status = await app.get(VerifyTicketService).status(fx.component.appid);
    expect(status).toMatchObject({ present: true, stale: true });
    expect(status.ageSec).toBeGreaterThanOrEqual(120);
    const token = await app.get(ComponentTokenService).getComponentAccessToken(fx.component.appid);
    expect(token).toEqual(expect.any(String));
  }

  it('useClass: instantiates the factory with its dependency from `imports` and uses its options', async () => {
    const before = ClassOptionsFactory.calls;
    const app = await boot([
      defaultDataSource(),
      WechatOpenModule.forRootAsync({
        imports: [HostConfigModule.register(settings())],
        useClass: ClassOptionsFactory,
      }),
    ]);
    expect(ClassOptionsFactory.calls - before).toBe(1);
    await expectHostOptions(app);
  });

  it("useExisting: asks the host's own factory instance, exported by a module in `imports`", async () => {
    const app = await boot([
      defaultDataSource(),
      WechatOpenModule.forRootAsync({
        imports: [HostConfigModule.register(settings())],
        useExisting: ExistingOptionsFactory,
      }),
    ]);
    // The very instance the host's module holds was asked, once (useClass would make another).
    expect(app.get(ExistingOptionsFactory, { strict: false }).calls).toBe(1);
    await expectHostOptions(app);
  });

  describe("dataSource: 'wechat'", () => {
    // Each test: the library's own database, empty and migrated by the host's named DataSource,
    // and the host's default database, which has the library's tables too (a migrated copy), so
    // a write sent to the wrong connection would land there silently.
    let wechatDb: EmptyDatabase;
    let hostDb: TestDatabase;
    beforeEach(async () => {
      [wechatDb, hostDb] = await Promise.all([createEmptyDatabase(), createTestDatabase()]);
    });
    afterEach(async () => {
      for (const app of apps.splice(0).reverse()) await app.close().catch(() => undefined);
      await wechatDb?.drop();
      await hostDb?.drop();
    });

    const namedDataSource = () =>
      TypeOrmModule.forRoot({
        name: 'wechat',
        type: 'postgres',
        url: wechatDb.url,
        poolSize: wechatDb.poolSize,
        entities: WECHAT_OPEN_ENTITIES,
        migrations: wechatOpenMigrations,
        migrationsRun: true,
        synchronize: false,
        logging: ['error'],
      });

    const hostDataSource = () =>
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: hostDb.url,
        poolSize: hostDb.poolSize,
        autoLoadEntities: true,
        synchronize: false,
        logging: ['error'],
      });

    /** Rows of the library's ticket, token and event log tables (every component). */
    async function rows(db: DataSource): Promise<Record<string, number>> {
      const count = async (table: string) => {
        const [{ n }] = await db.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table}`);
        return n;
      };
      return {
        component_verify_ticket: await count('component_verify_ticket'),
        component_token: await count('component_token'),
        wechat_event_log: await count('wechat_event_log'),
      };
    }

    it('forRootAsync({ dataSource }): the ticket, the token and the event log go to the named DataSource, none to the default one', async () => {
      const app = await boot([
        hostDataSource(),
        namedDataSource(),
        WechatOpenModule.forRootAsync({
          imports: [HostConfigModule.register(settings())],
          useExisting: ExistingOptionsFactory,
          dataSource: 'wechat',
        }),
      ]);
      await expectHostOptions(app);

      expect(await rows(app.get<DataSource>(getDataSourceToken('wechat')))).toEqual({
        component_verify_ticket: 1,
        component_token: 1,
        wechat_event_log: 1,
      });
      expect(await rows(app.get<DataSource>(getDataSourceToken()))).toEqual({
        component_verify_ticket: 0,
        component_token: 0,
        wechat_event_log: 0,
      });
    });

    it("forRoot({ dataSource: 'wechat' }) in a host with no default DataSource: the ticket it stores is read back there", async () => {
      const options = new HostConfig(settings()).wechatOptions();
      const app = await boot([
        namedDataSource(),
        WechatOpenModule.forRoot({ ...options, dataSource: 'wechat' }),
      ]);
      const { ticket } = await fx.sandbox.pushTicket(fx.component.appid);
      const createTime = Math.floor(Date.now() / 1000);
      expect((await fx.pushTicket(app, ticket, createTime)).disposition.outcome).toBe('applied');
      expect((await app.get(VerifyTicketService).status(fx.component.appid)).createTime).toEqual(
        new Date(createTime * 1000),
      );
      const stored = await app
        .get<DataSource>(getDataSourceToken('wechat'))
        .query<{ component_appid: string; t: number }[]>(
          'SELECT component_appid, extract(epoch FROM create_time)::int AS t FROM component_verify_ticket',
        );
      expect(stored).toEqual([{ component_appid: fx.component.appid, t: createTime }]);
    });
  });
});
