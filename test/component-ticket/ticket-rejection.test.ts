import { Client } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ComponentTokenService,
  VerifyTicketService,
  WechatOpenEventMap,
  WechatOpenEvents,
} from '@app/wechat-open';
import { postPush, signedPush } from '../support/push.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

const NEVER = '0 0 0 1 1 *';

describe('a verify ticket WeChat refused (61005 expired / 61006 invalid)', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  const rejectedRow = async (s: TestStack) => {
    const db = new Client(s.db.url);
    await db.connect();
    try {
      const { rows } = await db.query<{ rejected_errcode: number | null }>(
        'SELECT rejected_errcode FROM component_verify_ticket WHERE component_appid = $1',
        [s.component.appid],
      );
      return rows[0]?.rejected_errcode ?? null;
    } finally {
      await db.end();
    }
  };

  it('is never sent to api_component_token again: mints fail fast on every instance until a newer ticket, and a retry of the same push does not clear it', async () => {
    stack = await startStack({ initialTicket: false, platform: { schedulers: false } });
    const s = stack;
    const appid = s.component.appid;
    const rejected: WechatOpenEventMap['verify_ticket_rejected'][] = [];
    s.platform.get(WechatOpenEvents).on('verify_ticket_rejected', (e) => void rejected.push(e));
    const tokens = s.platform.get(ComponentTokenService);
    const calls = async (endpoint: string) => (await s.sandbox.counters()).calls[endpoint] ?? 0;

    // A ticket WeChat never issued (61006); WeChat's answer to our ask for a push is lost here
    // (40013), so the refused ticket stays the newest one.
    const createTime = Math.floor(Date.now() / 1000) - 5;
    const sameCreateTime = () =>
      signedPush(s.component, {
        AppId: appid,
        CreateTime: createTime,
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: 'ticket@@@never-issued',
      });
    expect((await postPush(s.platform.url, appid, sameCreateTime())).body).toBe('success');
    await s.sandbox.fault({ endpoint: 'api_start_push_ticket', errcode: 40013, count: 1 });

    await expect(tokens.getComponentAccessToken(appid)).rejects.toMatchObject({
      code: 'WECHAT_61006',
    });
    expect(await calls('api_component_token')).toBe(1);
    expect(await calls('api_start_push_ticket')).toBe(1); // asked at once
    expect(rejected).toEqual([{ componentAppid: appid, errcode: 61006 }]);
    expect(await rejectedRow(s)).toBe(61006);

    for (let i = 0; i < 3; i++) {
      await expect(tokens.getComponentAccessToken(appid)).rejects.toMatchObject({
        code: 'VERIFY_TICKET_REJECTED',
      });
    }
    // Another instance knows it from the database.
    const second = await s.startInstance({ schedulers: false, instanceId: 'second' });
    await expect(
      second.get(ComponentTokenService).getComponentAccessToken(appid),
    ).rejects.toMatchObject({ code: 'VERIFY_TICKET_REJECTED' });
    // WeChat retries the same push (same CreateTime): still refused.
    expect((await postPush(s.platform.url, appid, sameCreateTime())).body).toBe('success');
    await expect(tokens.getComponentAccessToken(appid)).rejects.toMatchObject({
      code: 'VERIFY_TICKET_REJECTED',
    });
    expect(await calls('api_component_token')).toBe(1);
    expect(await calls('api_start_push_ticket')).toBe(1); // at most once a minute
    expect(rejected).toHaveLength(1);

    // A newer ticket clears it.
    await s.sandbox.pushTicket(appid);
    expect(await rejectedRow(s)).toBeNull();
    await expect(tokens.getComponentAccessToken(appid)).resolves.toBeTruthy();
    expect(await calls('api_component_token')).toBe(2);
  });

  it('asks for a push at once even right after a stale-ticket ask, and mints as soon as the new ticket arrives', async () => {
    stack = await startStack({
      initialTicket: false,
      sandboxSettings: { ticketTtlSec: 3 },
      platform: { componentCron: NEVER },
    });
    const s = stack;
    const appid = s.component.appid;
    const tokens = s.platform.get(ComponentTokenService);
    const tickets = s.platform.get(VerifyTicketService);
    const calls = async (endpoint: string) => (await s.sandbox.counters()).calls[endpoint] ?? 0;

    // The platform asked for its first ticket when it started listening, and minted with it.
    const first = await eventually(async () => {
      const st = await tokens.status(appid);
      return st.present ? st : null;
    }, 5000);
    expect(await calls('api_start_push_ticket')).toBe(1);
    // The stale-ticket check asked a moment ago: it does not hold back the ask after a refusal.
    expect(await tickets.restartPushesIfStale(appid)).toBe(false);

    // The ticket expires in WeChat (ticketTtlSec 3 s); the token must be minted again.
    await new Promise((r) => setTimeout(r, 3200));
    await tokens.invalidate(appid, first.version);
    await expect(tokens.refreshIfDue(appid)).rejects.toMatchObject({ code: 'WECHAT_61005' });
    expect(await calls('api_start_push_ticket')).toBe(2);
    // WeChat pushes a new ticket in answer, and it is used at once (no cron runs here).
    const next = await eventually(async () => {
      const st = await tokens.status(appid);
      return st.present && st.version > first.version ? st : null;
    }, 2500);
    expect(next.version).toBe(first.version + 1);
    expect(await calls('api_component_token')).toBe(3);
  });
});
