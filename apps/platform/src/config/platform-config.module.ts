import { DynamicModule, Module } from '@nestjs/common';
import { PlatformConfig } from './platform-config.js';
import { PLATFORM_CONFIG } from './platform-config.token.js';

/** The resolved configuration, injectable everywhere as PLATFORM_CONFIG. */
@Module({})
export class PlatformConfigModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: PlatformConfigModule,
      global: true,
      providers: [{ provide: PLATFORM_CONFIG, useValue: config }],
      exports: [PLATFORM_CONFIG],
    };
  }
}
