import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Module } from '@nestjs/common';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizerService,
  ComponentEventContext,
  InfoTypePayloads,
  isInfoType,
  OnComponentEvent,
  PreAuthService,
} from '@app/wechat-open';
import { newAccount } from '../support/accounts.js';
import { authorizeThroughPages } from '../support/browser.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

/** Every call of the host's handlers, in order. */
const calls: { handler: string; ctx: ComponentEventContext }[] = [];

/** The host's handlers, found through Nest's DiscoveryService as @Cron methods are. */
@Injectable()
class HostEventHandlers {
  @OnComponentEvent()
  everything(ctx: ComponentEventContext): void {
    calls.push({ handler: 'everything', ctx });
  }

  @OnComponentEvent({ infoType: 'NOTIFY_THIRD_FASTEREGISTER' })
  fastRegistrations(ctx: ComponentEventContext<InfoTypePayloads['notify_third_fasteregister']>) {
    calls.push({ handler: 'fastRegistrations', ctx });
  }

  @OnComponentEvent({ infoType: 'component_verify_ticket' })
  tickets(ctx: ComponentEventContext): void {
    calls.push({ handler: 'tickets', ctx });
  }

  @OnComponentEvent({ componentAppid: 'wx_another_component' })
  anotherComponent(ctx: ComponentEventContext): void {
    calls.push({ handler: 'anotherComponent', ctx });
  }
}

@Module({ providers: [HostEventHandlers] })
class HostEventsModule {}

const callsOf = (handler: string, infoType: string) =>
  calls.filter((c) => c.handler === handler && c.ctx.infoType === infoType);

interface LogRow {
  id: string;
  info_type: string;
  authorizer_appid: string | null;
  disposition: string;
  note: string | null;
  payload: Record<string, unknown>;
}

describe('every InfoType on the event URL, stored and dispatched to host handlers', () => {
  let stack: TestStack;
  let db: Client;
  const rowsOf = async (infoType: string) =>
    (
      await db.query<LogRow>(
        'SELECT id::text, info_type, authorizer_appid, disposition, note, payload FROM wechat_event_log WHERE info_type = $1 ORDER BY id',
        [infoType],
      )
    ).rows;

  beforeAll(async () => {
    stack = await startStack({ imports: [HostEventsModule] });
    db = new Client(stack.db.url);
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await stack.close();
  });

  // Each new InfoType as WeChat shapes it, and the typed payload a handler receives.
  const cases: {
    infoType: keyof InfoTypePayloads;
    fields: Record<string, unknown>;
    payload: unknown;
    account: string | null;
  }[] = [
    {
      infoType: 'notify_third_fasteregister',
      fields: {
        appid: 'wxfastent0000001',
        status: 0,
        auth_code: 'queryauthcode@@@fast-enterprise',
        msg: 'OK',
        info: {
          name: '深圳某某科技有限公司',
          code: '91440300MA5XXXXXXX',
          code_type: 1,
          legal_persona_wechat: 'legal_wx',
          legal_persona_name: '张三',
          component_phone: '13800000000',
        },
      },
      payload: {
        kind: 'enterprise',
        appid: 'wxfastent0000001',
        status: 0,
        authCode: 'queryauthcode@@@fast-enterprise',
        msg: 'OK',
        info: {
          name: '深圳某某科技有限公司',
          code: '91440300MA5XXXXXXX',
          codeType: 1,
          legalPersonaWechat: 'legal_wx',
          legalPersonaName: '张三',
          componentPhone: '13800000000',
        },
      },
      account: 'wxfastent0000001',
    },
    {
      infoType: 'notify_third_fasteregister',
      fields: {
        appid: 'wxfastper0000001',
        status: 0,
        auth_code: 'queryauthcode@@@fast-personal',
        msg: 'OK',
        info: { wxuser: 'applicant_wx', idname: '李四', component_phone: '13900000000' },
      },
      payload: {
        kind: 'personal',
        appid: 'wxfastper0000001',
        status: 0,
        authCode: 'queryauthcode@@@fast-personal',
        msg: 'OK',
        info: { wxuser: 'applicant_wx', idname: '李四', componentPhone: '13900000000' },
      },
      account: 'wxfastper0000001',
    },
    {
      infoType: 'notify_third_fastregisterbetaapp',
      fields: {
        appid: 'wxbeta0000000001',
        status: 0,
        msg: 'OK',
        info: { unique_id: 'beta-req-1', name: '试用小程序' },
      },
      payload: {
        appid: 'wxbeta0000000001',
        status: 0,
        msg: 'OK',
        uniqueId: 'beta-req-1',
        name: '试用小程序',
      },
      account: 'wxbeta0000000001',
    },
    {
      infoType: 'notify_third_fastverifybetaapp',
      fields: {
        appid: 'wxbeta0000000001',
        status: 0,
        msg: 'OK',
        info: { name: '某某公司', code: 'C0001', code_type: 2, legal_persona_name: '王五' },
      },
      payload: {
        appid: 'wxbeta0000000001',
        status: 0,
        msg: 'OK',
        info: {
          name: '某某公司',
          code: 'C0001',
          codeType: 2,
          legalPersonaWechat: null,
          legalPersonaName: '王五',
          componentPhone: null,
        },
      },
      account: 'wxbeta0000000001',
    },
    {
      infoType: 'wxa_nickname_audit',
      fields: { AuthorizerAppid: 'wxnick0000000001', ret: 2, nickname: '新名字', reason: '驳回' },
      payload: { appid: 'wxnick0000000001', ret: 2, nickname: '新名字', reason: '驳回' },
      account: 'wxnick0000000001',
    },
    {
      infoType: 'notify_icpfiling_verify_result',
      fields: { task_id: 'face-task-1', verify_appid: 'wxicp00000000001', result: 3 },
      payload: {
        taskId: 'face-task-1',
        verifyAppid: 'wxicp00000000001',
        result: 3,
        alongWithAuthResult: null,
      },
      account: null,
    },
    {
      infoType: 'notify_apply_icpfiling_result',
      fields: { authorizer_appid: 'wxicp00000000001', beian_status: 1026 },
      payload: { authorizerAppid: 'wxicp00000000001', beianStatus: 1026 },
      account: 'wxicp00000000001',
    },
    {
      infoType: 'notify_3rd_wxa_auth',
      fields: {
        appid: 'wxauth0000000001',
        taskid: 'verify-task-1',
        task_status: 12,
        apply_status: 2,
        message: '审核中',
        dispatch_info: {
          provider: '某征信公司',
          contact: '0411-84947888',
          dispatch_time: 1704952913,
        },
      },
      payload: {
        appid: 'wxauth0000000001',
        taskid: 'verify-task-1',
        taskStatus: 12,
        applyStatus: 2,
        message: '审核中',
        dispatchInfo: {
          provider: '某征信公司',
          contact: '0411-84947888',
          dispatchTime: new Date(1_704_952_913_000),
        },
      },
      account: 'wxauth0000000001',
    },
    {
      infoType: 'notify_3rd_wxa_wxverify',
      fields: { appid: 'wxauth0000000001', expired: 1767196800, message: '认证即将过期' },
      payload: {
        appid: 'wxauth0000000001',
        expired: new Date(1_767_196_800_000),
        message: '认证即将过期',
      },
      account: 'wxauth0000000001',
    },
    {
      infoType: 'notify_3rd_wxa_auth_and_icp',
      fields: { appid: 'wxauth0000000001', procedure_id: 'proc-1', procedure_status: 26 },
      payload: { appid: 'wxauth0000000001', procedureId: 'proc-1', procedureStatus: 26 },
      account: 'wxauth0000000001',
    },
    {
      infoType: 'order_path_apply_result_notify',
      fields: {
        list: [
          { appid: 'wxorder000000001', ret_code: 0 },
          { appid: 'wxorder000000002', ret_code: 1 },
        ],
      },
      payload: {
        list: [
          { appid: 'wxorder000000001', retCode: 0 },
          { appid: 'wxorder000000002', retCode: 1 },
        ],
      },
      account: null,
    },
    {
      infoType: 'order_path_audit_result_notify',
      fields: {
        list: {
          appid: 'wxorder000000001',
          audit_id: 4242,
          status: 4,
          apply_time: 1700000000,
          audit_time: 1700003600,
          reason: '通过',
        },
      },
      payload: {
        list: [
          {
            appid: 'wxorder000000001',
            auditId: '4242',
            status: 4,
            applyTime: new Date(1_700_000_000_000),
            auditTime: new Date(1_700_003_600_000),
            reason: '通过',
          },
        ],
      },
      account: null,
    },
  ];

  it('stores each new InfoType pushed by the sandbox, answers success, and hands its typed payload to the matching handlers', async () => {
    for (const c of cases) {
      const before = (await rowsOf(c.infoType)).length;
      const seen = callsOf('everything', c.infoType).length;
      const result = await stack.sandbox.pushEvent(stack.component.appid, c.infoType, c.fields);
      expect(result, c.infoType).toMatchObject({ pushed: true, push: { attempts: 1 } });

      const rows = await rowsOf(c.infoType);
      expect(rows.length, c.infoType).toBe(before + 1);
      const row = rows[rows.length - 1];
      expect(row.authorizer_appid, c.infoType).toBe(c.account);

      const call = await eventually(async () => callsOf('everything', c.infoType)[seen], 5_000);
      expect(call.ctx.payload, c.infoType).toEqual(c.payload);
      expect(call.ctx).toMatchObject({
        componentAppid: stack.component.appid,
        infoType: c.infoType,
        authorizerAppid: c.account,
        tenantId: null,
        eventId: row.id,
      });
      expect(call.ctx.xml).toContain(`<InfoType><![CDATA[${c.infoType}]]></InfoType>`);
      expect(call.ctx.manager).toBeUndefined();
    }
    // The InfoType-specific filter matched case-insensitively, once per fast registration.
    expect(callsOf('fastRegistrations', 'notify_third_fasteregister')).toHaveLength(2);
    expect(calls.filter((c) => c.handler === 'anotherComponent')).toEqual([]);
    // The log keeps no credential: the fast registration's auth_code is redacted.
    const [stored] = await rowsOf('notify_third_fasteregister');
    expect(stored.payload.auth_code).toBe('[redacted]');
    expect(JSON.stringify(stored.payload)).not.toContain('queryauthcode@@@');
  });

  it('narrows a catch-all context with isInfoType', async () => {
    await stack.sandbox.pushEvent(stack.component.appid, 'wxa_nickname_audit', {
      AuthorizerAppid: 'wxnick0000000002',
      ret: 3,
      nickname: '通过的名字',
    });
    const call = await eventually(async () =>
      callsOf('everything', 'wxa_nickname_audit').find(
        (c) => c.ctx.authorizerAppid === 'wxnick0000000002',
      ),
    );
    expect(isInfoType(call.ctx, 'wxa_nickname_audit') && call.ctx.payload.ret).toBe(3);
    expect(isInfoType(call.ctx, 'notify_3rd_wxa_auth')).toBe(false);
  });

  it('gives the handlers the tenant of an account the push names', async () => {
    const account = newAccount('mini_program');
    await stack.sandbox.addAccount(account);
    await stack.sandbox.settings({ authorizedPushTiming: 'none' });
    const { authCode } = await stack.sandbox.authorize(stack.component.appid, account.appid);
    await stack.sandbox.settings({ authorizedPushTiming: 'before_redirect' });
    await stack.platform
      .get(AuthorizerService)
      .redeem(stack.component.appid, authCode, { cause: 'api', tenant: { tenantId: 'acme' } });

    await stack.sandbox.pushEvent(stack.component.appid, 'wxa_nickname_audit', {
      AuthorizerAppid: account.appid,
      ret: 3,
      nickname: 'Acme 小程序',
    });
    const call = await eventually(async () =>
      callsOf('everything', 'wxa_nickname_audit').find(
        (c) => c.ctx.authorizerAppid === account.appid,
      ),
    );
    expect(call.ctx.tenantId).toBe('acme');
  });

  it('gives a first authorized push the tenant of the session its PreAuthCode came from', async () => {
    const account = newAccount('official_account');
    await stack.sandbox.addAccount(account);
    const session = await stack.platform.get(PreAuthService).createSession(stack.component.appid, {
      tenantId: 'globex',
      returnUrl: 'https://dashboard.example.com/return/globex',
    });
    await authorizeThroughPages(session.entryUrl, account.appid);
    const call = await eventually(async () =>
      callsOf('everything', 'authorized').find((c) => c.ctx.authorizerAppid === account.appid),
    );
    expect(call.ctx.tenantId).toBe('globex');
    expect(call.ctx.payload).toMatchObject({
      authorizerAppid: account.appid,
      authorizationCode: expect.stringMatching(/\S/) as string,
    });
  });

  it('stores an InfoType nobody knows yet, answers success, and dispatches it verbatim to catch-all handlers', async () => {
    const fields = {
      appid: 'wxunknown0000001',
      detail: { state: 'done', steps: [{ n: 1 }, { n: 2 }] },
      note: '新的通知',
    };
    const result = await stack.sandbox.pushEvent(
      stack.component.appid,
      'Notify_Something_Brand_New',
      fields,
    );
    expect(result).toMatchObject({ pushed: true, push: { attempts: 1, lastStatus: 200 } });

    const [row] = await rowsOf('notify_something_brand_new');
    expect(row).toMatchObject({
      authorizer_appid: 'wxunknown0000001',
      disposition: 'ignored',
      note: 'no handler for this InfoType',
    });
    expect(row.payload).toMatchObject({ detail: { state: 'done' }, note: '新的通知' });

    const call = await eventually(
      async () => callsOf('everything', 'notify_something_brand_new')[0],
    );
    // Verbatim: the payload is the raw fields, the XML the decrypted push.
    expect(call.ctx.payload).toBe(call.ctx.fields);
    expect(call.ctx.fields).toMatchObject({
      InfoType: 'Notify_Something_Brand_New',
      appid: 'wxunknown0000001',
      detail: { state: 'done', steps: [{ n: '1' }, { n: '2' }] },
      note: '新的通知',
    });
    expect(call.ctx.xml).toContain(
      '<detail><state><![CDATA[done]]></state><steps><n>1</n></steps>',
    );
    expect(call.ctx.eventId).toBe(row.id);
    expect(callsOf('tickets', 'notify_something_brand_new')).toEqual([]);
  });

  it('refuses a known InfoType with unusable content: 4xx, nothing stored, nothing dispatched', async () => {
    const before = (await rowsOf('notify_third_fasteregister')).length;
    const dispatched = calls.length;
    const result = await stack.sandbox.pushEvent(
      stack.component.appid,
      'notify_third_fasteregister',
      { appid: 'wxfastbad0000001', status: 'not-a-number', info: { name: 'x' } },
    );
    expect(result).toMatchObject({ pushed: false, push: { outcome: 'failed', lastStatus: 400 } });
    const missing = await stack.sandbox.pushEvent(
      stack.component.appid,
      'order_path_audit_result_notify',
      {
        list: { status: 4 },
      },
    );
    expect(missing).toMatchObject({ pushed: false, push: { lastStatus: 400 } });
    await sleep(300);
    expect(await rowsOf('notify_third_fasteregister')).toHaveLength(before);
    expect(calls.length).toBe(dispatched);
  });

  it('hands the verify ticket only to the handler that names it, not to catch-all ones', async () => {
    const ticketsBefore = callsOf('tickets', 'component_verify_ticket').length;
    await stack.sandbox.pushTicket(stack.component.appid);
    await eventually(
      async () => callsOf('tickets', 'component_verify_ticket').length > ticketsBefore,
    );
    const last = callsOf('tickets', 'component_verify_ticket').at(-1)!;
    expect(last.ctx.payload).toEqual({
      componentVerifyTicket: expect.stringMatching(/\S/) as string,
    });
    await sleep(200);
    expect(callsOf('everything', 'component_verify_ticket')).toEqual([]);
  });
});
