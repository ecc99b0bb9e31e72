import { Module } from '@nestjs/common';
import { AuthorizerModule } from '../authorizer/authorizer.module.js';
import { ComponentEventDispatcher } from '../events/component-event.dispatcher.js';
import { ComponentEventService } from '../events/component-event.service.js';
import { EventDispatchRepository } from '../events/event-dispatch.repository.js';
import { JobMonitor } from '../jobs/job-monitor.service.js';
import { WechatOpenCoreModule } from './wechat-open-core.module.js';

/**
 * The core's two public services: the event URL's handler and the job queue's monitor. In a file
 * of its own because it imports a feature module (the registry, for the tenant of an account a
 * push names), and the feature modules import the core module's file.
 */
@Module({
  imports: [WechatOpenCoreModule, AuthorizerModule],
  providers: [ComponentEventService, ComponentEventDispatcher, EventDispatchRepository, JobMonitor],
  exports: [ComponentEventService, JobMonitor],
})
export class WechatOpenCoreFacadeModule {}
