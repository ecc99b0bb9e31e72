import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  ComponentConfig,
  parseDataKeys,
  WECHAT_OPEN_ENTITIES,
  wechatOpenMigrations,
  WechatOpenModule,
} from '@wechat-open/nestjs';
import { JsSdkController } from './jssdk.controller.js';
import { WechatEventsController } from './wechat-events.controller.js';

/**
 * A service of someone else's that uses the library: its own configuration, its own database
 * connection (migrated with the library's migrations), its own scheduler; WeChat's event URL and
 * one route of its own.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    // The host owns the scheduler: the library registers its token jobs in it.
    ScheduleModule.forRoot(),
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        type: 'postgres' as const,
        url: config.getOrThrow<string>('DATABASE_URL'),
        entities: WECHAT_OPEN_ENTITIES,
        migrations: wechatOpenMigrations,
        migrationsRun: true,
        synchronize: false,
        logging: ['error' as const],
      }),
    }),
    WechatOpenModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const wechat = config.get<string>('WECHAT_API_BASE_URL');
        return {
          components: JSON.parse(
            config.getOrThrow<string>('WECHAT_COMPONENTS'),
          ) as ComponentConfig[],
          dataKeys: parseDataKeys(config.getOrThrow<string>('DATA_ENCRYPTION_KEYS')),
          // Unset: WeChat itself. The sandbox serves the API and both authorization pages.
          ...(wechat
            ? { api: { baseUrl: wechat }, authPages: { mpBaseUrl: wechat, openBaseUrl: wechat } }
            : {}),
        };
      },
    }),
  ],
  controllers: [WechatEventsController, JsSdkController],
})
export class ExampleModule {}
