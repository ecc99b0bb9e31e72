import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '@app/sandbox';
import { ComponentTokenService, VerifyTicketService } from '@app/wechat-open';
import { createPlatformApp } from '../../apps/platform/src/platform.js';
import { PlatformConfig } from '../../apps/platform/src/config/platform-config.js';
import { createTestDatabase } from '../support/database.js';
import { SandboxControl } from '../support/sandbox-control.js';
import {
  eventually,
  freePort,
  newComponent,
  startStack,
  TestStack,
  testPlatformConfig,
} from '../support/stack.js';

/** A cron that never fires while a test runs: only the ticket itself can start a mint. */
const NEVER = '0 0 0 1 1 *';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('when a verify ticket arrives', () => {
  let stack: TestStack | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  it('mints the component token as soon as the first ticket is stored, not at the next cron tick', async () => {
    // No ticket at start: the platform asks WeChat for one, and no cron tick comes while it waits.
    stack = await startStack({ initialTicket: false, platform: { componentCron: NEVER } });
    const s = stack;
    const appid = s.component.appid;
    const tickets = s.platform.get(VerifyTicketService);
    await eventually(async () => (await tickets.status(appid)).present, 5000);
    const status = await eventually(async () => {
      const st = await s.platform.get(ComponentTokenService).status(appid);
      return st.present ? st : null;
    }, 2000);
    expect(status.version).toBe(1);
    expect((await s.sandbox.counters()).calls.api_component_token).toBe(1);
  });

  it('asks WeChat for the first ticket only once the HTTP server listens, so the push is not lost', async () => {
    // The platform built and initialised a while before it listens (a slow start): a push asked
    // for during initialisation would find nobody listening, and WeChat does not push again
    // for ten minutes.
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const sandbox = await startSandbox({ port: 0 });
    cleanups.push(() => sandbox.close());
    const control = new SandboxControl(sandbox.url);
    await control.settings({ ticketPushIntervalMs: 0 });
    const component = newComponent();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await control.addComponent({
      ...component,
      eventUrl: `${base}/wechat/${component.appid}/events`,
      authDomain: `127.0.0.1:${port}`,
    });
    const config: PlatformConfig = {
      ...testPlatformConfig({
        port,
        publicBaseUrl: base,
        database: db,
        components: [component],
        sandboxUrl: sandbox.url,
        instanceId: 'slow-start',
      }),
      returnUrlAllowList: {},
    };
    const app: NestFastifyApplication = await createPlatformApp(
      config,
      { databaseUrl: db.url, poolSize: db.poolSize, wechat: config.wechat! },
      { bufferLogs: false },
    );
    cleanups.push(() => app.close());
    await app.init();
    await sleep(1500);
    expect((await control.counters()).calls.api_start_push_ticket ?? 0).toBe(0);
    await app.listen(port, '127.0.0.1');

    const tickets = app.get(VerifyTicketService);
    await eventually(async () => (await tickets.status(component.appid)).present, 5000);
    const counters = await control.counters();
    expect(counters.calls.api_start_push_ticket).toBe(1);
    // ...and the ticket is used at once.
    await eventually(
      async () => (await app.get(ComponentTokenService).status(component.appid)).present,
      3000,
    );
  });
});
