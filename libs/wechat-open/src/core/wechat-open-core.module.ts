import { DynamicModule, Global, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WechatApiClient } from '../client/wechat-api.client.js';
import { ComponentEventService } from '../events/component-event.service.js';
import { WechatEventBus } from '../events/event-bus.js';
import { EventLogEntity } from '../events/event-log.entity.js';
import { EventLogRepository } from '../events/event-log.repository.js';
import { PushOpener } from '../events/push-opener.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { JobEntity } from '../jobs/job.entity.js';
import { JobRepository } from '../jobs/job.repository.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions, WechatOpenModuleOptions } from '../wechat-open.options.js';
import { Clock } from './clock.js';
import { ComponentRegistry } from './component-registry.js';
import { resolveOptions } from './resolve-options.js';
import { SecretBox } from './secret-box.js';
import { WechatOpenEvents } from './wechat-open.events.js';

/** Injection token of the options exactly as the app gave them. */
export const WECHAT_OPEN_RAW_OPTIONS = Symbol('WECHAT_OPEN_RAW_OPTIONS');

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
  static register(
    optionsProvider: Provider,
    imports: ModuleMetadata['imports'] = [],
    extraProviders: Provider[] = [],
  ): DynamicModule {
    return {
      module: WechatOpenCoreModule,
      imports: [
        ...imports,
        ScheduleModule.forRoot(),
        TypeOrmModule.forFeature([EventLogEntity, JobEntity]),
      ],
      providers: [optionsProvider, ...extraProviders, ...shared],
      exports: shared,
    };
  }
}
