import { DEMO_ACCOUNTS, startSandbox } from '@app/sandbox';
import { PlatformConfig } from './config/platform-config.js';

/**
 * Starts the sandbox for the zero-configuration run: the demo component pushes to this
 * platform's event URL, and a few fake accounts wait on its authorization page.
 */
export async function startDevSandbox(config: PlatformConfig) {
  const base = `http://127.0.0.1:${config.port}`;
  return startSandbox({
    port: config.sandbox.port,
    host: '127.0.0.1',
    components: config.components.map((c) => ({
      ...c,
      eventUrl: `${base}/wechat/${c.appid}/events`,
      messageUrl: `${base}/wechat/${c.appid}/accounts/$APPID$/messages`,
      authDomain: new URL(config.publicBaseUrl).host,
    })),
    settings: { ticketPushIntervalMs: config.sandbox.ticketPushIntervalMs },
    accounts: [...DEMO_ACCOUNTS],
  });
}
