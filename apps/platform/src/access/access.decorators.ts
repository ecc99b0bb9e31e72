import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import type { ApiKeyKind } from './access.entities.js';
import { ACCESS_KINDS, AccessGuard } from './access.guard.js';
import { KeyThrottlerGuard } from './key-throttler.guard.js';
import type { Principal } from './principal.js';
import { DeclaredInputsGuard } from '../common/declared-inputs.guard.js';
import { ErrorBody } from '../common/error-body.dto.js';

/**
 * The route needs an API key of one of these kinds (`Authorization: Bearer <key>`), and is
 * rate-limited per key. Then a query string or a body the handler does not declare is refused
 * (400 VALIDATION_FAILED, as a DTO refuses unknown fields). Documents the security scheme and the
 * 401 / 403 / 429 answers.
 */
export function ApiAccess(...kinds: ApiKeyKind[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_KINDS, kinds),
    UseGuards(AccessGuard, KeyThrottlerGuard, DeclaredInputsGuard),
    ApiBearerAuth('apiKey'),
    ApiResponse({ status: 401, description: 'AUTH_MISSING / AUTH_INVALID', type: ErrorBody }),
    ApiResponse({
      status: 403,
      description: `KEY_KIND_REFUSED: needs a ${kinds.join(' or ')} key`,
      type: ErrorBody,
    }),
    ApiResponse({
      status: 429,
      description: 'RATE_LIMITED: too many requests for this key',
      type: ErrorBody,
    }),
  );
}

/** The authenticated caller (set by AccessGuard). */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<{ principal: Principal }>().principal,
);
