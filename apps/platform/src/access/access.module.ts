import { Global, Module } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';
import {
  ApiKeyEntity,
  ApiKeyKind,
  SecretAccessLogEntity,
  TenantEntity,
} from './access.entities.js';
import { ACCESS_KINDS, AccessGuard } from './access.guard.js';
import { AccessRepository } from './access.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { KeyThrottlerGuard } from './key-throttler.guard.js';
import { TenantsService } from './tenants.service.js';

/**
 * Who may call the platform's HTTP API: tenants, API keys, the guard that authenticates them and
 * the per-key rate limit. Global so every controller's `@ApiAccess(...)` resolves its guards.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([TenantEntity, ApiKeyEntity, SecretAccessLogEntity]),
    ThrottlerModule.forRootAsync({
      inject: [PLATFORM_CONFIG, Reflector],
      useFactory: (config: PlatformConfig, reflector: Reflector) => ({
        throttlers: [
          {
            // Per key (KeyThrottlerGuard's tracker). Named `default` so that the answers carry the
            // standard headers (`Retry-After` on a 429, `X-RateLimit-*`): other names suffix them.
            name: 'default',
            ttl: 60_000,
            // The token API serves machines: its own, higher limit.
            limit: (context) => {
              const kinds = reflector.getAllAndOverride<ApiKeyKind[] | undefined>(ACCESS_KINDS, [
                context.getHandler(),
                context.getClass(),
              ]);
              return kinds?.length === 1 && kinds[0] === 'service'
                ? config.rateLimits.tokenApiPerMin
                : config.rateLimits.adminPerMin;
            },
          },
        ],
        errorMessage: 'too many requests for this API key; retry later',
      }),
    }),
  ],
  providers: [AccessRepository, ApiKeysService, TenantsService, AccessGuard, KeyThrottlerGuard],
  exports: [ApiKeysService, TenantsService, AccessGuard, KeyThrottlerGuard, ThrottlerModule],
})
export class AccessModule {}
