import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { WechatOpenModule, wechatProxyFromUrl } from '@app/wechat-open';
import { AccessModule } from './access/access.module.js';
import { ApiKeysController } from './access/api-keys.controller.js';
import { MeController } from './access/me.controller.js';
import { TenantsController } from './access/tenants.controller.js';
import { CallbackIpModule } from './callback-ip/callback-ip.module.js';
import { ConsoleModule } from './console/console.module.js';
import { apiValidationPipe } from './common/validation.pipe.js';
import { WechatErrorFilter } from './common/wechat-error.filter.js';
import { PlatformConfigModule } from './config/platform-config.module.js';
import { PlatformConfig } from './config/platform-config.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { ForwardingModule } from './forwarding/forwarding.module.js';
import { DevController } from './dev/dev.controller.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { HealthModule } from './health/health.module.js';
import { InsightsModule } from './insights/insights.module.js';
import { TokenApiModule } from './token-api/token-api.module.js';
import { httpLoggingParams } from './logging/http-logging.js';
import { OperatorModule } from './operator/operator.module.js';
import { RetentionModule } from './retention/retention.module.js';
import { AuthorizationController } from './wechat/authorization.controller.js';
import { WechatEventsController } from './wechat/wechat-events.controller.js';
import { WechatMessagesController } from './wechat/wechat-messages.controller.js';

export interface ResolvedEndpoints {
  databaseUrl: string;
  /** The pool must be 1 on the embedded database (PGlite is single-connection). */
  poolSize: number;
  wechat: { apiBaseUrl: string; mpBaseUrl: string; openBaseUrl: string };
}

/** What a running process adds to the configuration (tests capture the logs). */
export interface PlatformRuntime {
  /** Where the logs go. Default standard output. */
  logStream?: DestinationStream;
  /** More modules in the application (a host's message handlers; tests add theirs). */
  imports?: ModuleImports;
}

type ModuleImports = NonNullable<ModuleMetadata['imports']>;

/** The deployable service, built from a resolved configuration (tests build it the same way). */
@Module({})
export class AppModule {
  static forRoot(
    config: PlatformConfig,
    endpoints: ResolvedEndpoints,
    runtime: PlatformRuntime = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformConfigModule.forRoot(config),
        LoggerModule.forRoot(
          httpLoggingParams(config.logLevel, runtime.logStream, config.logFormat),
        ),
        ScheduleModule.forRoot(),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: endpoints.databaseUrl,
          poolSize: endpoints.poolSize,
          autoLoadEntities: true,
          synchronize: false,
          migrationsRun: false,
          logging: ['error'],
        }),
        WechatOpenModule.forRoot(
          {
            components: config.components,
            dataKeys: config.dataKeys,
            api: { baseUrl: endpoints.wechat.apiBaseUrl, timeoutMs: config.httpTimeoutMs },
            http: { proxy: config.httpProxy ? wechatProxyFromUrl(config.httpProxy) : false },
            authPages: {
              mpBaseUrl: endpoints.wechat.mpBaseUrl,
              openBaseUrl: endpoints.wechat.openBaseUrl,
            },
            componentTokenRefreshMarginSec: config.componentTokenRefreshMarginSec,
            ticketStaleAfterSec: config.ticketStaleAfterSec,
            componentCron: config.componentCron,
            maxXmlBytes: config.maxXmlBytes,
            pushTimestampWindowSec: config.pushTimestampWindowSec,
            schedulers: config.schedulers,
            minTokenRemainingSec: config.minTokenRemainingSec,
            instanceId: config.instanceId,
            preAuth: {
              publicBaseUrl: config.publicBaseUrl,
              sessionTtlSec: config.preAuthSessionTtlSec,
              returnUrlAllowList: config.returnUrlAllowList,
            },
            authorizer: {
              ...config.authorizer,
              // LISTEN needs a connection of its own: not on the single-connection embedded database.
              notifications: endpoints.poolSize > 1,
            },
            jsapi: config.jsapi,
            messages: config.messages,
          },
          // The admin API's modules (dashboard, operator, token API) inject its services.
          { isGlobal: true },
        ),
        TerminusModule,
        AccessModule,
        TokenApiModule,
        DashboardModule,
        OperatorModule,
        InsightsModule,
        CallbackIpModule,
        ForwardingModule,
        HealthModule,
        MetricsModule,
        RetentionModule,
        ConsoleModule,
        ...(runtime.imports ?? []),
      ],
      controllers: [
        WechatEventsController,
        WechatMessagesController,
        AuthorizationController,
        TenantsController,
        ApiKeysController,
        MeController,
        // The sandbox stands in for WeChat: add the pages that walk the flow in a browser.
        ...(config.wechat ? [] : [DevController]),
      ],
      providers: [
        { provide: APP_FILTER, useClass: WechatErrorFilter },
        { provide: APP_PIPE, useValue: apiValidationPipe() },
      ],
    };
  }
}
