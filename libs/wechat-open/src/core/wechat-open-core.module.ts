import { HttpModule, HttpService } from '@nestjs/axios';
import { Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { WechatApiClient } from '../client/wechat-api.client.js';
import { wechatHttpModuleOptions } from '../client/wechat-http.options.js';
import { WechatEventBus } from '../events/event-bus.js';
import { EventLogRepository } from '../events/event-log.repository.js';
import { HandlerDiscovery } from '../handlers/handler-discovery.js';
import { PushOpener } from '../events/push-opener.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { JobRepository } from '../jobs/job.repository.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { Clock } from './clock.js';
import { ComponentRegistry } from './component-registry.js';
import { EVENT_BUS, JOB_QUEUE, SECRET_BOX } from './internal-tokens.js';
import { SecretBox } from './secret-box.js';
import { WechatOpenEvents } from './wechat-open.events.js';

// How the library's modules fit (none of them global but the per-call options module):
//
//   WechatOpenOptionsModule (global, per forRoot)  options, DataSource, entities: private symbols
//   WechatOpenBaseModule       public   Clock, ComponentRegistry, WechatApiClient, WechatOpenEvents
//   WechatOpenCoreModule       internal Base + SecretBox, event bus, event log, job queue, ...
//   WechatOpenCoreFacadeModule public   ComponentEventService (the event URL), JobMonitor; imports
//                              the AuthorizerModule (its own file: wechat-open-core-facade.module)
//   feature modules            import WechatOpenCoreModule, export their service facades
//
// WechatOpenModule exports Base, the facade and the feature modules, never WechatOpenCoreModule:
// the host can inject the services and nothing of what is behind them.

const base: Provider[] = [
  {
    provide: Clock,
    useFactory: (o: ResolvedWechatOpenOptions) => o.clock,
    inject: [WECHAT_OPEN_OPTIONS],
  },
  {
    provide: WechatApiClient,
    useFactory: (http: HttpService, o: ResolvedWechatOpenOptions) => {
      o.http.configure?.(http.axiosRef);
      return new WechatApiClient(http, o.api);
    },
    inject: [HttpService, WECHAT_OPEN_OPTIONS],
  },
  ComponentRegistry,
  WechatOpenEvents,
];

/**
 * What the library's modules and the host may both use: the clock, the configured components,
 * the WeChat adapter (to call WeChat on an account's behalf, or observe its calls) and the
 * library-wide events.
 */
@Module({
  imports: [
    // The library's own axios instance (not exported): WECHAT_OPEN_OPTIONS comes from the
    // (global) options module, so the host's options factory runs once.
    HttpModule.registerAsync({
      useFactory: (o: ResolvedWechatOpenOptions) => wechatHttpModuleOptions(o.http),
      inject: [WECHAT_OPEN_OPTIONS],
    }),
  ],
  providers: base,
  exports: base,
})
export class WechatOpenBaseModule {}

const internal: Provider[] = [
  {
    provide: SECRET_BOX,
    useFactory: (o: ResolvedWechatOpenOptions) => new SecretBox(o.dataKeys),
    inject: [WECHAT_OPEN_OPTIONS],
  },
  { provide: EVENT_BUS, useClass: WechatEventBus },
  EventLogRepository,
  PushOpener,
  JobRepository,
  { provide: JOB_QUEUE, useClass: JobQueue },
  HandlerDiscovery,
];

/**
 * What every feature module of the library shares: data keys, the event bus, the event log and
 * the job queue, plus the base. Imported by the library's own modules only.
 */
@Module({
  imports: [WechatOpenBaseModule, DiscoveryModule],
  providers: internal,
  exports: [WechatOpenBaseModule, ...internal],
})
export class WechatOpenCoreModule {}
