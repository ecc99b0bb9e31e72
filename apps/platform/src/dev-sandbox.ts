import type { INestApplicationContext } from '@nestjs/common';
import { DEMO_ACCOUNTS, startSandbox } from '@app/sandbox';
import { ComponentTokenService, VerifyTicketService } from '@app/wechat-open';
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

/**
 * The sandbox starts empty on every run while the database keeps what the previous run's
 * sandbox issued: that verify ticket and component token mean nothing to this one. Without
 * this, every restart within their lifetime warned of a refused token, then a refused ticket.
 * So: this sandbox pushes a ticket now (stored as the newest), the stored token is forgotten,
 * and a new one is minted with the new ticket. Call once the platform listens.
 */
export async function adoptFreshSandbox(
  app: INestApplicationContext,
  sandboxUrl: string,
  config: PlatformConfig,
): Promise<void> {
  const tokens = app.get(ComponentTokenService);
  const tickets = app.get(VerifyTicketService);
  for (const { appid } of config.components) {
    const [token, ticket] = await Promise.all([tokens.status(appid), tickets.status(appid)]);
    // A first run has nothing from before: the platform asks for its first ticket itself.
    if (!token.present && !ticket.present) continue;
    const pushed = await fetch(`${sandboxUrl}/sandbox/components/${appid}/push-ticket`, {
      method: 'POST',
    });
    if (!pushed.ok) throw new Error(`the sandbox did not push a ticket (${pushed.status})`);
    if (token.present) await tokens.invalidate(appid, token.version);
    await tokens.refreshIfDue(appid);
  }
}
