import { randomBytes, randomInt } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import {
  FULL_RELEASE_TEST_ACCOUNTS,
  FullReleaseTestAccount,
  parseWechatXml,
} from '@app/wechat-open';
import { AuthorizationService } from '../push/authorization.service.js';
import { MessagePushResult, PayloadFields, PusherService } from '../push/pusher.service.js';
import { SandboxComponentConfig } from '../sandbox.options.js';
import { AccountStore, SandboxAccount } from '../state/account.store.js';
import { ComponentStore } from '../state/component.store.js';
import { SentMessageStore } from '../state/sent-message.store.js';

const TEXT_CASE = 'TESTCOMPONENT_MSG_TYPE_TEXT';
/** Message management (OA), customer-service management (MP), as the robot's cases need. */
const TEST_FUNC_INFO = { official_account: [1, 2, 3, 4, 6], mini_program: [17, 18, 19] };
const POLL_MS = 100;

export interface FullReleaseCase {
  /** `text`, `query_auth_code` or `event`. */
  name: string;
  accountKind: FullReleaseTestAccount['kind'];
  appid: string;
  passed: boolean;
  /** What was seen: the answer, or why the case failed. */
  detail: string;
}

export interface FullReleaseReport {
  passed: boolean;
  componentAppid: string;
  groups: number[];
  cases: FullReleaseCase[];
}

/**
 * WeChat's full-release (全网发布) robot test, run the way WeChat runs it (§6.3): the test accounts
 * of a group are authorized (an `authorized` push with a `queryauthcode@@@...` code), then each
 * gets the text case, the QUERY_AUTH_CODE case and, for official accounts, the event case, through
 * the component's message URL. Official accounts must answer the text and event cases with an
 * encrypted passive reply; the QUERY_AUTH_CODE case (and the text case of mini programs) with an
 * empty body at once and then a customer-service message.
 */
@Injectable()
export class FullReleaseTestService {
  constructor(
    private readonly components: ComponentStore,
    private readonly accounts: AccountStore,
    private readonly authorizations: AuthorizationService,
    private readonly pusher: PusherService,
    private readonly sent: SentMessageStore,
  ) {}

  async run(
    componentAppid: string,
    options: { group?: number; allGroups?: boolean; waitMs?: number },
  ): Promise<FullReleaseReport> {
    const component = this.components.get(componentAppid);
    if (!component) throw new NotFoundException(`unknown component ${componentAppid}`);
    const groups = options.allGroups ? [1, 2, 3, 4, 5] : [options.group ?? randomInt(1, 6)];
    const waitMs = options.waitMs ?? 10_000;
    const cases: FullReleaseCase[] = [];
    for (const test of FULL_RELEASE_TEST_ACCOUNTS.filter((a) => groups.includes(a.group))) {
      cases.push(...(await this.runAccount(component, test, waitMs)));
    }
    return { passed: cases.every((c) => c.passed), componentAppid, groups, cases };
  }

  private async runAccount(
    component: SandboxComponentConfig,
    test: FullReleaseTestAccount,
    waitMs: number,
  ): Promise<FullReleaseCase[]> {
    const account = this.accounts.upsert({
      appid: test.appid,
      userName: test.userName,
      nickName: `全网发布测试 ${test.group} ${test.kind === 'official_account' ? 'OA' : 'MP'}`,
      kind: test.kind,
      principalName: 'WeChat full-release test',
      funcInfo: TEST_FUNC_INFO[test.kind],
    });
    const grant = await this.authorizations.grant({
      componentAppid: component.appid,
      authorizerAppid: account.appid,
    });
    const openid = `o_fullrelease_${randomBytes(10).toString('hex')}`;
    const result = (name: string, passed: boolean, detail: string): FullReleaseCase => ({
      name,
      accountKind: test.kind,
      appid: test.appid,
      passed,
      detail,
    });
    const cases: FullReleaseCase[] = [];
    const official = test.kind === 'official_account';

    // Text: a passive reply (OA), or an answer through the customer-service API (MP).
    const callback = `${TEXT_CASE}_callback`;
    const text = await this.push(component, account, openid, {
      MsgType: 'text',
      Content: TEXT_CASE,
      MsgId: this.msgId(),
    });
    if (official) {
      const check = this.checkPassiveText(text, account, openid, callback);
      cases.push(result('text', check === null, check ?? `passive reply "${callback}"`));
    } else {
      const check =
        this.checkDelivered(text) ??
        (await this.waitForCustomText(account.appid, openid, callback, waitMs));
      cases.push(result('text', check === null, check ?? `customer-service "${callback}"`));
    }

    // QUERY_AUTH_CODE: an empty answer at once, then `<code>_from_api` through the API.
    const expected = `${grant.authCode}_from_api`;
    const query = await this.push(component, account, openid, {
      MsgType: 'text',
      Content: `QUERY_AUTH_CODE:${grant.authCode}`,
      MsgId: this.msgId(),
    });
    const queryCheck =
      this.checkDelivered(query) ??
      (query.rawReply === '' ? null : `the answer was not empty: ${clip(query.rawReply)}`) ??
      (await this.waitForCustomText(account.appid, openid, expected, waitMs));
    cases.push(
      result(
        'query_auth_code',
        queryCheck === null,
        queryCheck ?? 'empty answer, then customer-service "<code>_from_api"',
      ),
    );

    // Event (the legacy case, official accounts): a passive reply `<Event>from_callback`.
    if (official) {
      const event = await this.push(component, account, openid, {
        MsgType: 'event',
        Event: 'LOCATION',
        Latitude: '23.137466',
        Longitude: '113.352425',
        Precision: '119.385040',
      });
      const check = this.checkPassiveText(event, account, openid, 'LOCATIONfrom_callback');
      cases.push(result('event', check === null, check ?? 'passive reply "LOCATIONfrom_callback"'));
    }
    return cases;
  }

  private push(
    component: SandboxComponentConfig,
    account: SandboxAccount,
    openid: string,
    fields: PayloadFields,
  ): Promise<MessagePushResult> {
    return this.pusher.pushMessage(component, account, openid, fields);
  }

  /** Answered on the first attempt (WeChat counts a retry as a failure of the test). */
  private checkDelivered(push: MessagePushResult): string | null {
    if (!push.delivered) return `not delivered: ${push.record.lastError ?? push.outcome}`;
    if (push.attempts !== 1) return `answered only on attempt ${push.attempts}`;
    return null;
  }

  private checkPassiveText(
    push: MessagePushResult,
    account: SandboxAccount,
    openid: string,
    content: string,
  ): string | null {
    const delivery = this.checkDelivered(push);
    if (delivery) return delivery;
    if (push.reply === undefined) return `no encrypted passive reply: ${clip(push.rawReply)}`;
    let reply;
    try {
      reply = parseWechatXml(push.reply);
    } catch {
      return 'the decrypted reply is not XML';
    }
    if (reply.MsgType !== 'text') return `reply MsgType ${JSON.stringify(reply.MsgType)}`;
    if (reply.ToUserName !== openid) return 'reply ToUserName is not the sender';
    if (reply.FromUserName !== account.userName) return 'reply FromUserName is not the account';
    if (reply.Content !== content) return `reply Content ${JSON.stringify(reply.Content)}`;
    return null;
  }

  private async waitForCustomText(
    authorizerAppid: string,
    openid: string,
    content: string,
    waitMs: number,
  ): Promise<string | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = this.sent.list(authorizerAppid).some((m) => {
        const body = m.body as {
          touser?: unknown;
          msgtype?: unknown;
          text?: { content?: unknown };
        };
        return body.touser === openid && body.msgtype === 'text' && body.text?.content === content;
      });
      if (found) return null;
      if (Date.now() > deadline) return `no customer-service message within ${waitMs} ms`;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private msgId(): string {
    return `${Date.now()}${randomInt(100_000, 999_999)}`;
  }
}

function clip(text: string | undefined): string {
  if (text === undefined) return 'nothing';
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text);
}
