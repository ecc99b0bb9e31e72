import { DynamicModule, Module } from '@nestjs/common';
import { AccountApiController } from './api/account-api.controller.js';
import { CallbackIpController } from './api/callback-ip.controller.js';
import { ComponentApiController } from './api/component-api.controller.js';
import { ComponentApiService } from './api/component-api.service.js';
import { OpenApiController } from './api/openapi.controller.js';
import { OpenApiService } from './api/openapi.service.js';
import { CallerResolver } from './common/caller.js';
import { FaultInjector } from './common/fault-injector.service.js';
import { SandboxClock } from './common/sandbox.clock.js';
import { WechatEndpointInterceptor } from './common/wechat-endpoint.interceptor.js';
import { WechatErrorFilter } from './common/wechat-error.filter.js';
import { ControlController } from './control/control.controller.js';
import { FastRegisterController } from './control/fast-register.controller.js';
import { PushEventController } from './control/push-event.controller.js';
import { AuthPageController } from './pages/auth-page.controller.js';
import { AuthPageService } from './pages/auth-page.service.js';
import { AuthorizationService } from './push/authorization.service.js';
import { PusherService } from './push/pusher.service.js';
import { TicketScheduler } from './push/ticket-scheduler.service.js';
import { FullReleaseTestController } from './robot/full-release-test.controller.js';
import { FullReleaseTestService } from './robot/full-release-test.service.js';
import { SANDBOX_OPTIONS, SandboxOptions } from './sandbox.options.js';
import { SANDBOX_STATE_PROVIDERS } from './state/sandbox-state.providers.js';

/** The WeChat emulator: WeChat-facing APIs and pages, pushes, and the /sandbox control API. */
@Module({})
export class SandboxModule {
  static forRoot(options: SandboxOptions): DynamicModule {
    return {
      module: SandboxModule,
      controllers: [
        ComponentApiController,
        AccountApiController,
        OpenApiController,
        CallbackIpController,
        AuthPageController,
        ControlController,
        PushEventController,
        FastRegisterController,
        FullReleaseTestController,
      ],
      providers: [
        { provide: SANDBOX_OPTIONS, useValue: options },
        SandboxClock,
        ...SANDBOX_STATE_PROVIDERS,
        FaultInjector,
        PusherService,
        TicketScheduler,
        AuthorizationService,
        ComponentApiService,
        OpenApiService,
        CallerResolver,
        AuthPageService,
        FullReleaseTestService,
        WechatEndpointInterceptor,
        WechatErrorFilter,
      ],
    };
  }
}
