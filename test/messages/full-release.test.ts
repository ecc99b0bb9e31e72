import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerService, FULL_RELEASE_TEST_ACCOUNTS } from '@app/wechat-open';
import { messagePush, postMessage, textMessage } from './message-push.js';
import { newAccount } from '../support/accounts.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

interface Report {
  passed: boolean;
  groups: number[];
  cases: { name: string; accountKind: string; appid: string; passed: boolean; detail: string }[];
}

describe('the full-release (全网发布) robot test, run by the sandbox as WeChat runs it', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  }, 60_000);
  afterAll(() => stack?.close());

  const run = (body: Record<string, unknown>) =>
    stack.sandbox.request<Report>(
      'POST',
      `/sandbox/components/${stack.component.appid}/full-release-test`,
      body,
    );

  it('passes every case of every group, for official accounts and mini programs', async () => {
    const report = await run({ allGroups: true });
    const failed = report.cases.filter((c) => !c.passed);
    expect(failed).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.groups).toEqual([1, 2, 3, 4, 5]);
    // 5 groups: OA text, query_auth_code, event; MP text, query_auth_code.
    expect(report.cases).toHaveLength(25);
    for (const kind of ['official_account', 'mini_program']) {
      const names = report.cases.filter((c) => c.accountKind === kind).map((c) => c.name);
      expect(new Set(names)).toEqual(
        new Set(
          kind === 'official_account'
            ? ['text', 'query_auth_code', 'event']
            : ['text', 'query_auth_code'],
        ),
      );
    }
    expect(new Set(report.cases.map((c) => c.appid))).toEqual(
      new Set(FULL_RELEASE_TEST_ACCOUNTS.map((a) => a.appid)),
    );
    // The code was exchanged once: the push's redemption and the robot's shared it.
    const counters = await stack.sandbox.request<{
      errcodesByEndpoint: Record<string, Record<string, number>>;
    }>('GET', '/sandbox/counters');
    expect(counters.errcodesByEndpoint.api_query_auth?.['61009'] ?? 0).toBe(0);
  }, 120_000);

  it('passes again for a group picked at random (re-authorization, new codes)', async () => {
    const report = await run({});
    expect(report.cases.filter((c) => !c.passed)).toEqual([]);
    expect(report.groups).toHaveLength(1);
  }, 60_000);

  it("answers a test account recognised by user name on another appid through that appid's customer-service API", async () => {
    // WeChat puts the appid of the account a message belongs to in the URL (§6.1): when only
    // ToUserName names a test account, the URL's appid is still the account whose token answers.
    const mp = FULL_RELEASE_TEST_ACCOUNTS.find((a) => a.group === 5 && a.kind === 'mini_program')!;
    const account = { ...newAccount('mini_program'), userName: mp.userName };
    await stack.sandbox.addAccount(account);
    await stack.sandbox.authorize(stack.component.appid, account.appid);
    const accounts = stack.platform.get(AuthorizerService);
    await eventually(
      async () =>
        (await accounts.tokenHealth(stack.component.appid, account.appid))?.hasAccessToken,
      20_000,
    );
    const res = await postMessage(
      stack.platform.url,
      stack.component.appid,
      account.appid,
      messagePush(
        stack.component,
        textMessage(mp.userName, 'o_robot_by_name', 'TESTCOMPONENT_MSG_TYPE_TEXT'),
      ),
    );
    // A mini program cannot reply passively: empty at once, then the customer-service API.
    expect([res.status, res.body]).toEqual([200, '']);
    const sentBy = (appid: string) =>
      stack.sandbox.request<{ body: { touser: string; text?: { content: string } } }[]>(
        'GET',
        `/sandbox/accounts/${appid}/sent-messages`,
      );
    const isAnswer = (m: { body: { touser: string; text?: { content: string } } }) =>
      m.body.touser === 'o_robot_by_name' &&
      m.body.text?.content === 'TESTCOMPONENT_MSG_TYPE_TEXT_callback';
    await eventually(async () => (await sentBy(account.appid)).some(isAnswer), 20_000);
    expect((await sentBy(mp.appid)).filter(isAnswer)).toEqual([]);
  });

  it('leaves the test accounts to the host when the robot is off (FULL_RELEASE_TEST=false)', async () => {
    const off = await stack.startInstance({
      instanceId: 'robot-off',
      messages: { fullReleaseTest: false },
    });
    try {
      const oa = FULL_RELEASE_TEST_ACCOUNTS[0];
      const push = () =>
        messagePush(
          stack.component,
          textMessage(oa.userName, 'o_robot_off', 'TESTCOMPONENT_MSG_TYPE_TEXT'),
        );
      const withRobot = await postMessage(
        stack.platform.url,
        stack.component.appid,
        oa.appid,
        push(),
      );
      expect(withRobot.body).toContain('<Encrypt>');
      const without = await postMessage(off.url, stack.component.appid, oa.appid, push());
      expect([without.status, without.body]).toEqual([200, 'success']);
    } finally {
      await off.stop();
    }
  });

  it('reports the failing cases when the message URL does not answer the robot', async () => {
    const off = await stack.startInstance({
      instanceId: 'robot-off-2',
      messages: { fullReleaseTest: false },
    });
    // A second component (another appid: its messages are refused) on an instance without the robot.
    const other = { ...stack.component, appid: `${stack.component.appid}x` };
    try {
      await stack.sandbox.addComponent({
        ...other,
        eventUrl: `${off.url}/wechat/${stack.component.appid}/events`,
        messageUrl: `${off.url}/wechat/${stack.component.appid}/accounts/$APPID$/messages`,
      });
      const report = await stack.sandbox.request<Report>(
        'POST',
        `/sandbox/components/${other.appid}/full-release-test`,
        { group: 3, waitMs: 300 },
      );
      expect(report.passed).toBe(false);
      expect(
        report.cases.find((c) => c.name === 'text' && c.accountKind === 'official_account'),
      ).toMatchObject({ passed: false });
    } finally {
      await off.stop();
    }
  });

  it('refuses a bad request and an unknown component', async () => {
    const url = `${stack.sandbox.url}/sandbox/components`;
    const post = (path: string, body: unknown) =>
      fetch(`${url}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(`${stack.component.appid}/full-release-test`, { group: 6 })).status).toBe(
      400,
    );
    expect((await post(`${stack.component.appid}/full-release-test`, { extra: 1 })).status).toBe(
      400,
    );
    expect((await post('wxnobody/full-release-test', {})).status).toBe(404);
  });
});
