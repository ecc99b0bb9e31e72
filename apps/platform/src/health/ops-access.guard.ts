import { createHash, timingSafeEqual } from 'node:crypto';
import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';

/**
 * /health and /metrics reveal expiry times: with OPS_TOKEN set they need
 * `Authorization: Bearer <OPS_TOKEN>` (compared in constant time). Unset: open.
 */
@Injectable()
export class OpsAccessGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(PLATFORM_CONFIG) config: PlatformConfig) {
    const token = config.ops?.token;
    this.expected = token ? digest(token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    throw new UnauthorizedException('a valid ops bearer token is required');
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
