import { DynamicModule, Global, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WechatApiClient } from '../client/wechat-api.client.js';
import { ComponentEventService } from '../events/component-event.service.js';
import { WechatEventBus } from '../events/event-bus.js';
import { EventLogRepository } from '../events/event-log.repository.js';
import { PushOpener } from '../events/push-opener.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { JobRepository } from '../jobs/job.repository.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions, WechatOpenModuleOptions } from '../wechat-open.options.js';
import { Clock } from './clock.js';
import { ComponentRegistry } from './component-registry.js';
import { SchedulerMissingError } from './cron-task.js';
import { resolveOptions } from './resolve-options.js';
import { SecretBox } from './secret-box.js';
import { dataSourceProvider, WECHAT_OPEN_DATA_SOURCE } from './data-source.js';
import { WECHAT_OPEN_ENTITIES } from '../entities.js';
import { WechatOpenEvents } from './wechat-open.events.js';

/** Injection token of the options exactly as the app gave them. */
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

const shared: Provider[] = [
  {
    provide: WECHAT_OPEN_OPTIONS,
    useFactory: (raw: WechatOpenModuleOptions) => resolveOptions(raw),
    inject: [WECHAT_OPEN_RAW_OPTIONS],
  },
  {
    provide: Clock,
    useFactory: (o: ResolvedWechatOpenOptions) => o.clock,
    inject: [WECHAT_OPEN_OPTIONS],
  },
  {
    provide: SecretBox,
    useFactory: (o: ResolvedWechatOpenOptions) => new SecretBox(o.dataKeys),
    inject: [WECHAT_OPEN_OPTIONS],
  },
  {
    provide: WechatApiClient,
    useFactory: (o: ResolvedWechatOpenOptions) => new WechatApiClient(o.api),
    inject: [WECHAT_OPEN_OPTIONS],
  },
  ComponentRegistry,
  WechatOpenEvents,
  WechatEventBus,
  EventLogRepository,
  PushOpener,
  ComponentEventService,
  JobRepository,
  JobQueue,
];

/**
 * What every feature module of the library shares: options, clock, data keys, the WeChat
 * adapter, the event bus and the job queue. Global, like TypeORM's core module, so the feature
 * modules see it; the app only ever imports WechatOpenModule.
 */
@Global()
@Module({})
export class WechatOpenCoreModule {
  /**
   * `dataSource`: the name of the host's TypeORM DataSource (static, like forFeature's); unset,
   * the default one. The entities are registered with it, so `autoLoadEntities` hosts need
   * nothing more; others list WECHAT_OPEN_ENTITIES in their DataSource.
   */
  static register(
    optionsProvider: Provider,
    imports: ModuleMetadata['imports'] = [],
    extraProviders: Provider[] = [],
    dataSource?: string,
  ): DynamicModule {
    return {
      module: WechatOpenCoreModule,
      imports: [...imports, TypeOrmModule.forFeature(WECHAT_OPEN_ENTITIES, dataSource)],
      providers: [
        optionsProvider,
        ...extraProviders,
        dataSourceProvider(dataSource),
        schedulerCheck,
        ...shared,
      ],
      exports: [...shared, WECHAT_OPEN_DATA_SOURCE],
    };
  }
}
