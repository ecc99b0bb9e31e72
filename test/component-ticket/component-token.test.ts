import { afterEach, describe, expect, it } from 'vitest';
import { ComponentTokenService, PreAuthService, VerifyTicketService } from '@app/wechat-open';
import { eventually, startStack, TestStack } from '../support/stack.js';

describe('component access token', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('is minted with the newest ticket, stored encrypted, and survives a restart', async () => {
    stack = await startStack({ platform: { schedulers: false } });
    const tokens = stack.platform.get(ComponentTokenService);
    const token = await tokens.getComponentAccessToken(stack.component.appid);
    expect(token).toBeTruthy();
    expect((await stack.sandbox.counters()).calls.api_component_token).toBe(1);

    await stack.platform.stop();
    const restarted = await stack.startInstance({ schedulers: false });
    expect(
      await restarted.get(ComponentTokenService).getComponentAccessToken(stack.component.appid),
    ).toBe(token);
    expect(await restarted.get(VerifyTicketService).current(stack.component.appid)).toBeTruthy();
    expect((await stack.sandbox.counters()).calls.api_component_token).toBe(1);
  });

  it('is refreshed before expiry, cycle after cycle, and never presented expired', async () => {
    stack = await startStack({
      // WeChat keeps a replaced token valid a few minutes; here a second, far shorter than the life.
      // The default margins are scaled down to a 4 s lifetime (refresh 1 s before expiry).
      sandboxSettings: { componentTokenTtlSec: 4, tokenGraceSec: 1 },
    });
    const preAuth = stack.platform.get(PreAuthService);
    const deadline = Date.now() + 11_000;
    let calls = 0;
    while (Date.now() < deadline) {
      await preAuth.createPreAuthCode(stack.component.appid); // presents the token every time
      calls++;
      await new Promise((r) => setTimeout(r, 100));
    }
    const counters = await stack.sandbox.counters();
    expect(calls).toBeGreaterThan(50);
    expect(counters.tokensIssued.component_access_token).toBeGreaterThanOrEqual(4);
    expect(counters.invalidTokensPresented).toEqual([]);
    expect(counters.errcodes['40001'] ?? 0).toBe(0);
    expect(counters.errcodes['42001'] ?? 0).toBe(0);
  });

  it('is minted once when two instances need it at the same moment', async ({ skip }) => {
    stack = await startStack({ platform: { schedulers: false } });
    if (stack.db.kind !== 'real') skip('needs a real PostgreSQL with several connections');
    const second = await stack.startInstance({ schedulers: false, instanceId: 'second' });
    const a = stack.platform.get(ComponentTokenService);
    const b = second.get(ComponentTokenService);
    const got = await Promise.all([
      a.getComponentAccessToken(stack.component.appid),
      b.getComponentAccessToken(stack.component.appid),
      a.getComponentAccessToken(stack.component.appid),
      b.getComponentAccessToken(stack.component.appid),
    ]);
    expect(new Set(got).size).toBe(1);
    expect((await stack.sandbox.counters()).calls.api_component_token).toBe(1);
  });

  it('is refreshed by one of two instances sweeping together, not both', async ({ skip }) => {
    stack = await startStack({
      // The default margins scaled to a 4 s lifetime: refreshed 1 s before expiry, every 3 s.
      sandboxSettings: { componentTokenTtlSec: 4 },
    });
    if (stack.db.kind !== 'real') skip('needs a real PostgreSQL with several connections');
    await stack.startInstance({ instanceId: 'second' });
    await stack.platform.get(ComponentTokenService).getComponentAccessToken(stack.component.appid);
    await new Promise((r) => setTimeout(r, 9_500)); // about three refresh cycles with crons on both
    const issued = (await stack.sandbox.counters()).tokensIssued.component_access_token;
    // One mint at first, then one per 3 s cycle: never the double that two refreshers would make.
    expect(issued).toBeGreaterThanOrEqual(3);
    expect(issued).toBeLessThanOrEqual(5);
  });

  it('re-reads the ticket on 61006 and asks WeChat to push again when it has no newer one', async () => {
    stack = await startStack({ platform: { schedulers: false } });
    await stack.sandbox.fault({ endpoint: 'api_component_token', errcode: 61006, count: 1 });
    const tokens = stack.platform.get(ComponentTokenService);
    await expect(tokens.getComponentAccessToken(stack.component.appid)).rejects.toMatchObject({
      code: 'WECHAT_61006',
    });
    expect((await stack.sandbox.counters()).calls.api_start_push_ticket).toBe(1);
    // The sandbox pushes a fresh ticket in answer; the next attempt succeeds with it.
    await eventually(() => tokens.getComponentAccessToken(stack!.component.appid));
  });

  it('on 40001 refreshes the token that failed, once, and retries the call', async () => {
    stack = await startStack({ platform: { schedulers: false } });
    const preAuth = stack.platform.get(PreAuthService);
    await preAuth.createPreAuthCode(stack.component.appid);
    await stack.sandbox.fault({ endpoint: 'api_create_preauthcode', errcode: 40001, count: 1 });
    await expect(preAuth.createPreAuthCode(stack.component.appid)).resolves.toHaveProperty(
      'preAuthCode',
    );
    const c = await stack.sandbox.counters();
    expect(c.calls.api_component_token).toBe(2);
    expect(c.calls.api_create_preauthcode).toBe(3);
  });

  it('retries -1 with backoff, and does not retry a configuration error (61004)', async () => {
    stack = await startStack({ platform: { schedulers: false } });
    const preAuth = stack.platform.get(PreAuthService);
    await stack.sandbox.fault({ endpoint: 'api_create_preauthcode', errcode: -1, count: 2 });
    await expect(preAuth.createPreAuthCode(stack.component.appid)).resolves.toHaveProperty(
      'preAuthCode',
    );
    expect((await stack.sandbox.counters()).calls.api_create_preauthcode).toBe(3);

    await stack.sandbox.fault({ endpoint: 'api_create_preauthcode', errcode: 61004, count: 1 });
    await expect(preAuth.createPreAuthCode(stack.component.appid)).rejects.toMatchObject({
      code: 'WECHAT_61004',
    });
    expect((await stack.sandbox.counters()).calls.api_create_preauthcode).toBe(4);
  });

  it('asks WeChat to restart pushes when no ticket has arrived, at most once per interval', async () => {
    stack = await startStack({ initialTicket: false });
    const tickets = stack.platform.get(VerifyTicketService);
    await eventually(async () => (await tickets.status(stack!.component.appid)).present);
    expect((await stack.sandbox.counters()).calls.api_start_push_ticket).toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await stack.sandbox.counters()).calls.api_start_push_ticket).toBe(1);
  });
});
