import type { Provider } from '@nestjs/common';
import { SecretBox } from '@app/wechat-open';
import {
  FORWARDING_DEFAULTS,
  ForwardingConfig,
  PlatformConfig,
} from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';

/** The forwarding settings with their defaults applied. */
export const FORWARDING_CONFIG = Symbol('FORWARDING_CONFIG');

/** The platform's own SecretBox (endpoint secrets, delivery bodies), on the same data keys. */
export const FORWARDING_SECRET_BOX = Symbol('FORWARDING_SECRET_BOX');

export const forwardingProviders: Provider[] = [
  {
    provide: FORWARDING_CONFIG,
    inject: [PLATFORM_CONFIG],
    useFactory: (config: PlatformConfig): ForwardingConfig => ({
      ...FORWARDING_DEFAULTS,
      ...config.forwarding,
    }),
  },
  {
    provide: FORWARDING_SECRET_BOX,
    inject: [PLATFORM_CONFIG],
    useFactory: (config: PlatformConfig): SecretBox => new SecretBox(config.dataKeys),
  },
];
