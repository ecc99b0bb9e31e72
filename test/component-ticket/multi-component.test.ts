import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentTokenService, VerifyTicketService } from '@app/wechat-open';
import { newComponent, startStack, TestStack } from '../support/stack.js';

describe('several components, and EncodingAESKey rotation', () => {
  let stack: TestStack;
  // The second component rotated its key on our side; WeChat (the sandbox) still encrypts with the old one.
  const second = newComponent();
  const rotated = {
    ...second,
    encodingAesKey: newComponent().encodingAesKey,
    previousEncodingAesKey: second.encodingAesKey,
  };

  beforeAll(async () => {
    stack = await startStack({ extraComponents: [rotated], platform: { schedulers: false } });
    await stack.sandbox.addComponent({
      ...second,
      eventUrl: `${stack.platform.url}/wechat/${second.appid}/events`,
    });
  });
  afterAll(() => stack.close());

  it('accepts a push encrypted with the previous key and keeps each component apart', async () => {
    const pushed = await stack.sandbox.pushTicket(second.appid);
    expect(pushed.delivered).toBe(true);
    const tickets = stack.platform.get(VerifyTicketService);
    expect(await tickets.current(second.appid)).toBe(pushed.ticket);
    expect(await tickets.current(stack.component.appid)).not.toBe(pushed.ticket);

    const tokens = stack.platform.get(ComponentTokenService);
    const [a, b] = await Promise.all([
      tokens.getComponentAccessToken(stack.component.appid),
      tokens.getComponentAccessToken(second.appid),
    ]);
    expect(a).not.toBe(b);
    const c = await stack.sandbox.counters();
    expect(c.callsByAccount.api_component_token).toMatchObject({
      [stack.component.appid]: 1,
      [second.appid]: 1,
    });
  });

  it("refuses a push for one component signed with the other one's token", async () => {
    const { signedPush, postPush } = await import('../support/push.js');
    const forged = signedPush(
      { ...second, token: stack.component.token },
      {
        AppId: second.appid,
        CreateTime: Math.floor(Date.now() / 1000),
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: 'ticket@@@forged',
      },
    );
    const r = await postPush(stack.platform.url, second.appid, forged);
    expect(r.status).toBe(401);
  });
});
