import { Injectable, Module } from '@nestjs/common';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizerService,
  AuthorizerTokenService,
  ComponentEventContext,
  FastRegisterPayload,
  OnComponentEvent,
} from '@app/wechat-open';
import { eventually, startStack, TestStack } from '../support/stack.js';

const registrations: ComponentEventContext<FastRegisterPayload>[] = [];

@Injectable()
class RegistrationHandlers {
  @OnComponentEvent({ infoType: 'notify_third_fasteregister' })
  registered(ctx: ComponentEventContext<FastRegisterPayload>): void {
    registrations.push(ctx);
  }
}

@Module({ providers: [RegistrationHandlers] })
class RegistrationModule {}

interface FastRegisterAnswer {
  appid: string | null;
  authCode: string | null;
  pushed: boolean;
}

describe('fast registration of a mini program (notify_third_fasteregister)', () => {
  let stack: TestStack;
  let db: Client;
  const register = (body: Record<string, unknown>) =>
    stack.sandbox.request<FastRegisterAnswer>(
      'POST',
      `/sandbox/components/${stack.component.appid}/fast-register`,
      body,
    );
  const logged = async (authorizerAppid: string | null) =>
    (
      await db.query<{ disposition: string; note: string | null; auth_code: string }>(
        `SELECT disposition, note, payload->>'auth_code' AS auth_code FROM wechat_event_log
          WHERE info_type = 'notify_third_fasteregister' AND authorizer_appid IS NOT DISTINCT FROM $1`,
        [authorizerAppid],
      )
    ).rows;

  beforeAll(async () => {
    stack = await startStack({ imports: [RegistrationModule] });
    db = new Client(stack.db.url);
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await stack.close();
  });

  it('redeems the auth_code of a successful registration: the new mini program joins the registry', async () => {
    const answer = await register({ kind: 'enterprise', name: '快速注册测试有限公司' });
    expect(answer.pushed).toBe(true);
    const appid = answer.appid!;

    const accounts = stack.platform.get(AuthorizerService);
    await eventually(
      async () => (await accounts.tokenHealth(stack.component.appid, appid))?.hasAccessToken,
    );
    const record = await accounts.get(stack.component.appid, appid);
    expect(record).toMatchObject({
      status: 'authorized',
      accountKind: 'mini_program',
      tenantId: null,
    });
    expect((await accounts.history(stack.component.appid, appid))[0]).toMatchObject({
      action: 'authorized',
      cause: 'push:notify_third_fasteregister',
    });
    const token = await stack.platform.get(AuthorizerTokenService).getAuthorizerAccessToken(appid);
    expect(token).toMatch(/\S/);
    expect(await logged(appid)).toEqual([
      { disposition: 'applied', note: null, auth_code: '[redacted]' },
    ]);

    const ctx = await eventually(async () => registrations.find((r) => r.payload.appid === appid));
    expect(ctx.payload).toMatchObject({
      kind: 'enterprise',
      status: 0,
      authCode: answer.authCode,
      info: { name: '快速注册测试有限公司', codeType: 1 },
    });
  });

  it('records a failed personal registration as ignored, redeeming nothing', async () => {
    const queryAuthBefore = (await stack.sandbox.counters()).calls.api_query_auth ?? 0;
    const answer = await register({ kind: 'personal', status: -1, name: '王五' });
    expect(answer).toMatchObject({ appid: null, pushed: true });
    expect(await logged(null)).toEqual([
      { disposition: 'ignored', note: 'the registration failed (status -1)', auth_code: null },
    ]);
    const ctx = await eventually(async () => registrations.find((r) => r.payload.status === -1));
    expect(ctx.payload).toEqual({
      kind: 'personal',
      appid: null,
      status: -1,
      authCode: null,
      msg: 'open verity failed',
      info: { wxuser: 'applicant_wx', idname: '王五', componentPhone: '13800000000' },
    });
    expect((await stack.sandbox.counters()).calls.api_query_auth ?? 0).toBe(queryAuthBefore);
  });
});
