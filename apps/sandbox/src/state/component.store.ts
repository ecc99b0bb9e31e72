import { Inject, Injectable } from '@nestjs/common';
import { SANDBOX_OPTIONS, SandboxComponentConfig, SandboxOptions } from '../sandbox.options.js';

/**
 * The components WeChat's console knows: appid, secret, 消息校验Token, 消息加解密Key and URLs.
 * Seeded from the start-up options; survives a runtime reset.
 */
@Injectable()
export class ComponentStore {
  private readonly components = new Map<string, SandboxComponentConfig>();

  constructor(@Inject(SANDBOX_OPTIONS) startOptions: SandboxOptions) {
    for (const c of startOptions.components ?? []) this.upsert(c);
  }

  upsert(config: SandboxComponentConfig): SandboxComponentConfig {
    const copy = { ...config };
    this.components.set(config.appid, copy);
    return copy;
  }

  remove(appid: string): boolean {
    return this.components.delete(appid);
  }

  list(): SandboxComponentConfig[] {
    return [...this.components.values()];
  }

  get(appid: string): SandboxComponentConfig | undefined {
    return this.components.get(appid);
  }
}
