import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error.js';
import { PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';
import { CallbackIpService, PushUrl } from './callback-ip.service.js';

/**
 * Refuses a push (event URL, message URL) whose source is not in WeChat's callback IP list, when
 * CALLBACK_IP_CHECK is on (it needs TRUST_PROXY: the source is the address the trusted proxy
 * names in X-Forwarded-For). Refused: 403 CALLBACK_IP_REFUSED, counted, not opened or stored.
 * While no list is known yet (a new install before its first fetch) pushes pass, with a warning:
 * refusing them would lose the verify tickets the fetch itself needs.
 */
@Injectable()
export class CallbackIpGuard implements CanActivate {
  private readonly logger = new Logger('CallbackIpGuard');
  private warnedUnknown = false;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly callbackIps: CallbackIpService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.config.callbackIpCheck) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const verdict = this.callbackIps.isWechat(request.ip);
    if (verdict === true) return true;
    if (verdict === null) {
      if (!this.warnedUnknown) {
        this.logger.warn("WeChat's callback IP list is not known yet: pushes are not checked");
        this.warnedUnknown = true;
      }
      return true;
    }
    const url: PushUrl = request.url.split('?')[0].endsWith('/messages') ? 'messages' : 'events';
    this.callbackIps.countRefused(url);
    this.logger.warn(`push to the ${url} URL from ${request.ip} refused: not a WeChat address`);
    throw new ApiError(
      403,
      'CALLBACK_IP_REFUSED',
      "the push's source address is not in WeChat's callback IP list",
    );
  }
}
