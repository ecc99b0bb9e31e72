import { DynamicModule, Module, ModuleMetadata, Provider, Type } from '@nestjs/common';
import { AuthorizerModule } from './authorizer/authorizer.module.js';
import { ComponentTicketModule } from './component-ticket/component-ticket.module.js';
import { WechatOpenCoreFacadeModule } from './core/wechat-open-core-facade.module.js';
import { WechatOpenBaseModule } from './core/wechat-open-core.module.js';
import {
  WECHAT_OPEN_RAW_OPTIONS,
  WechatOpenOptionsModule,
} from './core/wechat-open-options.module.js';
import { JsApiModule } from './jsapi/jsapi.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { PreAuthModule } from './pre-auth/pre-auth.module.js';
import { WechatOpenModuleOptions } from './wechat-open.options.js';

/** A class that builds the options (`forRootAsync({ useClass | useExisting })`). */
export interface WechatOpenOptionsFactory {
  createWechatOpenOptions(): WechatOpenModuleOptions | Promise<WechatOpenModuleOptions>;
}

/** `WechatOpenModule.forRootAsync(...)`: exactly one of useFactory, useClass, useExisting. */
export interface WechatOpenModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Builds the options; its arguments are the `inject` tokens. */
  useFactory?: (...args: never[]) => WechatOpenModuleOptions | Promise<WechatOpenModuleOptions>;
  /** Tokens given to `useFactory` (from `imports`, or global). Default none. */
  inject?: (string | symbol | Type)[];
  /** A WechatOpenOptionsFactory the library instantiates (its dependencies from `imports`). */
  useClass?: Type<WechatOpenOptionsFactory>;
  /** A WechatOpenOptionsFactory provided by a module in `imports` (or global). */
  useExisting?: Type<WechatOpenOptionsFactory>;
  /** Make the library's services injectable everywhere without importing. Default false. */
  isGlobal?: boolean;
  /**
   * Name of the host's TypeORM DataSource the library's tables live in (static: it must be known
   * before the factory runs, as for TypeOrmModule.forFeature). Default the default DataSource.
   */
  dataSource?: string;
}

const FEATURES = [
  ComponentTicketModule,
  AuthorizerModule,
  PreAuthModule,
  JsApiModule,
  MessagesModule,
];

/** What the host can inject: the services, never the internals behind them. */
const PUBLIC = [WechatOpenBaseModule, WechatOpenCoreFacadeModule, ...FEATURES];

/**
 * The library: `WechatOpenModule.forRoot(options)` or `.forRootAsync({ useFactory, inject })`,
 * once per application. Needs, in the host: a TypeORM DataSource (TypeOrmModule.forRoot, with
 * autoLoadEntities or WECHAT_OPEN_ENTITIES, migrated with wechatOpenMigrations) and, unless
 * `schedulers: false`, ScheduleModule.forRoot().
 */
@Module({})
export class WechatOpenModule {
  static forRoot(
    options: WechatOpenModuleOptions,
    extras: { isGlobal?: boolean } = {},
  ): DynamicModule {
    return this.build(
      { provide: WECHAT_OPEN_RAW_OPTIONS, useValue: options },
      [],
      [],
      extras.isGlobal,
      options.dataSource,
    );
  }

  static forRootAsync(async: WechatOpenModuleAsyncOptions): DynamicModule {
    const extra: Provider[] = [];
    let provider: Provider;
    if (async.useFactory) {
      provider = {
        provide: WECHAT_OPEN_RAW_OPTIONS,
        useFactory: async.useFactory,
        inject: async.inject ?? [],
      };
    } else {
      const cls = async.useClass ?? async.useExisting;
      if (!cls)
        throw new Error('WechatOpenModule.forRootAsync needs useFactory, useClass or useExisting');
      if (async.useClass) extra.push(async.useClass);
      provider = {
        provide: WECHAT_OPEN_RAW_OPTIONS,
        useFactory: (f: WechatOpenOptionsFactory) => f.createWechatOpenOptions(),
        inject: [cls],
      };
    }
    return this.build(provider, async.imports ?? [], extra, async.isGlobal, async.dataSource);
  }

  private static build(
    optionsProvider: Provider,
    imports: ModuleMetadata['imports'],
    extra: Provider[],
    isGlobal = false,
    dataSource?: string,
  ): DynamicModule {
    return {
      module: WechatOpenModule,
      global: isGlobal,
      imports: [
        WechatOpenOptionsModule.register(optionsProvider, imports, extra, dataSource),
        ...PUBLIC,
      ],
      exports: PUBLIC,
    };
  }
}
