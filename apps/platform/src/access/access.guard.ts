import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import type { ApiKeyKind } from './access.entities.js';
import { ApiKeysService } from './api-keys.service.js';
import type { Principal } from './principal.js';

export const ACCESS_KINDS = 'platform:access-kinds';

/** Authenticates the bearer key and checks its kind against the route's `@ApiAccess(...)`. */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kinds = this.reflector.getAllAndOverride<ApiKeyKind[] | undefined>(ACCESS_KINDS, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const principal = await this.keys.authenticate(request.headers.authorization);
    if (kinds && !kinds.includes(principal.kind)) {
      throw new ApiError(
        403,
        'KEY_KIND_REFUSED',
        `this endpoint needs a ${kinds.join(' or ')} key`,
      );
    }
    request.principal = principal;
    return true;
  }
}
