import { Inject, Injectable } from '@nestjs/common';
import { WechatMessageCrypto } from '../crypto/message-crypto.js';
import { WechatOpenError } from '../errors/wechat-open.error.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ComponentConfig, ResolvedWechatOpenOptions } from '../wechat-open.options.js';

/** Raised for a component appid this service is not configured for. */
export class UnknownComponentError extends WechatOpenError {
  constructor(appid: string) {
    super('UNKNOWN_COMPONENT', 'this service is not configured for that component', { appid });
  }
}

/** The configured components and their message crypto, by appid. */
@Injectable()
export class ComponentRegistry {
  private readonly byAppid = new Map<
    string,
    { config: ComponentConfig; crypto: WechatMessageCrypto }
  >();

  constructor(@Inject(WECHAT_OPEN_OPTIONS) options: ResolvedWechatOpenOptions) {
    for (const config of options.components) {
      const crypto = new WechatMessageCrypto({
        token: config.token,
        encodingAesKey: config.encodingAesKey,
        previousEncodingAesKey: config.previousEncodingAesKey,
        appid: config.appid,
      });
      this.byAppid.set(config.appid, { config, crypto });
    }
  }

  appids(): string[] {
    return [...this.byAppid.keys()];
  }

  has(appid: string): boolean {
    return this.byAppid.has(appid);
  }

  config(appid: string): ComponentConfig {
    return this.entry(appid).config;
  }

  crypto(appid: string): WechatMessageCrypto {
    return this.entry(appid).crypto;
  }

  private entry(appid: string) {
    const found = this.byAppid.get(appid);
    if (!found) throw new UnknownComponentError(appid);
    return found;
  }
}
