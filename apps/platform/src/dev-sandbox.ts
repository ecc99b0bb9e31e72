import { startSandbox } from '@app/sandbox';
import { PlatformConfig } from './config/platform-config.js';

/** Demo accounts the default first run offers on the sandbox's authorization page. */
const DEMO_ACCOUNTS = [
  {
    appid: 'wx00000000demo0a01',
    userName: 'gh_demo0a01',
    nickName: 'Demo Coffee (official account)',
    kind: 'official_account' as const,
    principalName: 'Demo Coffee Ltd',
    serviceType: 2,
    verifyType: 0,
  },
  {
    appid: 'wx00000000demo0a02',
    userName: 'gh_demo0a02',
    nickName: 'Demo Books (official account)',
    kind: 'official_account' as const,
    principalName: 'Demo Books Ltd',
    serviceType: 0,
    verifyType: -1,
  },
  {
    appid: 'wx00000000demo0b01',
    userName: 'gh_demo0b01',
    nickName: 'Demo Shop (mini program)',
    kind: 'mini_program' as const,
    principalName: 'Demo Coffee Ltd',
    serviceType: 0,
    verifyType: 0,
  },
];

/** Starts the sandbox for the zero-configuration run, pushing to this platform's event URL. */
export async function startDevSandbox(config: PlatformConfig) {
  const base = `http://127.0.0.1:${config.port}`;
  const publicHost = new URL(config.publicBaseUrl).host;
  return startSandbox({
    port: config.sandbox.port,
    host: '127.0.0.1',
    components: config.components.map((c) => ({
      ...c,
      eventUrl: `${base}/wechat/${c.appid}/events`,
      messageUrl: `${base}/wechat/${c.appid}/accounts/$APPID$/messages`,
      authDomain: publicHost,
    })),
    settings: { ticketPushIntervalMs: config.sandbox.ticketPushIntervalMs },
    accounts: DEMO_ACCOUNTS,
  });
}
