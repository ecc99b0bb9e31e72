import { Clock } from './core/clock.js';
import { DataKey } from './core/secret-box.js';
import { WechatApiClientOptions } from './client/wechat-api.client.js';

/** One third-party platform (component) as configured in WeChat's console. */
export interface ComponentConfig {
  appid: string;
  /** component_appsecret. */
  secret: string;
  /** 消息校验Token. */
  token: string;
  /** 消息加解密Key (43 characters). */
  encodingAesKey: string;
  /** The key before the last rotation, accepted for incoming messages. */
  previousEncodingAesKey?: string;
}

/** Options of WechatOpenModule. The library never reads process.env: the app passes these in. */
export interface WechatOpenModuleOptions {
  /** The components this service acts for. At least one. */
  components: ComponentConfig[];
  /** Keys that encrypt secrets at rest; the first encrypts, all decrypt. */
  dataKeys: DataKey[];
  /** The WeChat API adapter. Defaults: https://api.weixin.qq.com, 5000 ms, 3 attempts, 200 ms. */
  api?: Partial<WechatApiClientOptions>;
  /** Hosts of the authorization pages. Defaults: https://mp.weixin.qq.com, https://open.weixin.qq.com. */
  authPages?: { mpBaseUrl?: string; openBaseUrl?: string };
  /** Refresh the component token this long before it expires. Default 900 s. */
  componentTokenRefreshMarginSec?: number;
  /** Never hand out a token (component or authorizer) with less than this left. Default 60 s. */
  minTokenRemainingSec?: number;
  /** Cron expression (with seconds) of the component token / ticket check. Default every 30 s. */
  componentCron?: string;
  /** Ask WeChat to restart ticket pushes when the newest ticket is older. Default 1800 s. */
  ticketStaleAfterSec?: number;
  /** At most one api_start_push_ticket per component per this interval. Default 600 s. */
  ticketRepushIntervalSec?: number;
  /** Largest XML body accepted from WeChat. Default 65536 bytes. */
  maxXmlBytes?: number;
  /** Run the cron providers in this instance. Default true. */
  schedulers?: boolean;
  /** Time source; tests pass a controllable one. Default the system clock. */
  clock?: Clock;
  /** How this instance names itself in leases and logs. Default hostname:pid:random. */
  instanceId?: string;
}

export type ResolvedWechatOpenOptions = Required<
  Omit<WechatOpenModuleOptions, 'api' | 'authPages'>
> & {
  api: WechatApiClientOptions;
  authPages: { mpBaseUrl: string; openBaseUrl: string };
};
