import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WECHAT_OPEN_ENTITIES } from '../entities.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { WechatOpenModuleOptions } from '../wechat-open.options.js';
import { SchedulerMissingError } from './cron-task.js';
import { dataSourceProvider, WECHAT_OPEN_DATA_SOURCE } from './data-source.js';
import { resolveOptions } from './resolve-options.js';

/** Injection token of the options exactly as the app gave them (never leaves this module). */
export const WECHAT_OPEN_RAW_OPTIONS = Symbol('WECHAT_OPEN_RAW_OPTIONS');

/** Injection token of the start-up check that the host provides a scheduler (see below). */
const SCHEDULER_CHECK = Symbol('WECHAT_OPEN_SCHEDULER_CHECK');

/**
 * The host owns ScheduleModule.forRoot() (a second one in the library would run the host's own
 * @Cron jobs twice); the library registers its jobs in the host's SchedulerRegistry. When the
 * jobs are on and there is none, start-up fails here, saying what to import. The registry is
 * looked up in the whole application rather than injected: this check must not itself be the
 * "cannot resolve dependencies" error it exists to replace.
 */
const schedulerCheck: Provider = {
  provide: SCHEDULER_CHECK,
  useFactory: (raw: WechatOpenModuleOptions, moduleRef: ModuleRef) => {
    if (raw.schedulers === false) return true;
    try {
      moduleRef.get(SchedulerRegistry, { strict: false });
    } catch {
      throw new SchedulerMissingError();
    }
    return true;
  },
  inject: [WECHAT_OPEN_RAW_OPTIONS, ModuleRef],
};

/**
 * What one `WechatOpenModule.forRoot` / `forRootAsync` call brings: the host's options (and the
 * modules and classes their factory needs), the host's DataSource the tables live in, and the
 * entities registered with it (so `autoLoadEntities` hosts need nothing more). Global, because
 * the library's static modules need the options; it exports only the resolved options and the
 * DataSource, under symbols the package does not export, so a host cannot ask for them.
 */
@Module({})
export class WechatOpenOptionsModule {
  /** `dataSource`: the name of the host's TypeORM DataSource (static, like forFeature's). */
  static register(
    optionsProvider: Provider,
    imports: ModuleMetadata['imports'] = [],
    extraProviders: Provider[] = [],
    dataSource?: string,
  ): DynamicModule {
    return {
      module: WechatOpenOptionsModule,
      global: true,
      imports: [...imports, TypeOrmModule.forFeature(WECHAT_OPEN_ENTITIES, dataSource)],
      providers: [
        optionsProvider,
        ...extraProviders,
        {
          provide: WECHAT_OPEN_OPTIONS,
          useFactory: (raw: WechatOpenModuleOptions) => resolveOptions(raw),
          inject: [WECHAT_OPEN_RAW_OPTIONS],
        },
        dataSourceProvider(dataSource),
        schedulerCheck,
      ],
      exports: [WECHAT_OPEN_OPTIONS, WECHAT_OPEN_DATA_SOURCE],
    };
  }
}
