import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMPONENT, PushReceiver, SandboxClient } from './sandbox-helpers.js';

describe('sandbox push-event and fast-register control calls', () => {
  let sandbox: SandboxClient;
  let receiver: PushReceiver;

  beforeAll(async () => {
    receiver = await PushReceiver.start();
    sandbox = await SandboxClient.start({
      components: [{ ...COMPONENT, eventUrl: `${receiver.url}/events` }],
    });
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(async () => {
    receiver.answer = () => ({ body: 'success' });
    await sandbox.ok('POST', '/reset');
  });

  const path = `/components/${COMPONENT.appid}/push-event`;

  it('pushes any InfoType, encrypted and signed, with nested and repeated elements', async () => {
    const answer = await sandbox.ok('POST', path, {
      infoType: 'order_path_apply_result_notify',
      fields: {
        list: [
          { appid: 'wx1', ret_code: 0 },
          { appid: 'wx2', ret_code: -2 },
        ],
      },
    });
    expect(answer).toMatchObject({
      pushed: true,
      push: { outcome: 'delivered', attempts: 1, lastStatus: 200 },
    });
    const push = await receiver.waitFor(
      (p) => p.fields.InfoType === 'order_path_apply_result_notify',
    );
    expect(push.path).toBe('/events');
    expect(push.fields).toMatchObject({
      AppId: COMPONENT.appid,
      list: [
        { appid: 'wx1', ret_code: '0' },
        { appid: 'wx2', ret_code: '-2' },
      ],
    });
    expect(push.message).toContain(
      '<list><appid><![CDATA[wx1]]></appid><ret_code>0</ret_code></list>',
    );
    const counters = await sandbox.ok<{ pushes: { kind: string; infoType?: string }[] }>(
      'GET',
      '/counters',
    );
    expect(counters.pushes.at(-1)).toMatchObject({
      kind: 'event',
      infoType: 'order_path_apply_result_notify',
    });
  });

  it('reports a receiver that refuses it, after WeChat’s attempts', async () => {
    receiver.answer = () => ({ status: 400, body: '{"code":"XML_BAD_FIELD"}' });
    const answer = await sandbox.ok('POST', path, { infoType: 'wxa_nickname_audit', fields: {} });
    expect(answer).toMatchObject({
      pushed: false,
      push: { outcome: 'failed', attempts: 3, lastStatus: 400 },
    });
  });

  it('refuses what XML cannot carry, and an unknown component', async () => {
    const refused = async (body: unknown, p = path) =>
      (await sandbox.control('POST', p, body)).status;
    expect(await refused({ infoType: 'bad type!' })).toBe(400);
    expect(await refused({ infoType: 'x', fields: { 'not a name': '1' } })).toBe(400);
    expect(await refused({ infoType: 'x', fields: { flag: true } })).toBe(400);
    expect(await refused({ infoType: 'x', fields: { a: { b: { c: { d: { e: '1' } } } } } })).toBe(
      400,
    );
    expect(await refused({ infoType: 'x', extra: 1 })).toBe(400);
    expect(await refused({ infoType: 'x' }, '/components/wx_nobody/push-event')).toBe(404);
  });

  it('fast-register: creates and authorizes the mini program, pushes a real code', async () => {
    const answer = await sandbox.ok<{ appid: string; authCode: string; pushed: boolean }>(
      'POST',
      `/components/${COMPONENT.appid}/fast-register`,
      { kind: 'personal', name: '赵六' },
    );
    expect(answer.pushed).toBe(true);
    const push = await receiver.waitFor((p) => p.fields.InfoType === 'notify_third_fasteregister');
    expect(push.fields).toMatchObject({
      appid: answer.appid,
      status: '0',
      auth_code: answer.authCode,
      info: { wxuser: 'applicant_wx', idname: '赵六' },
    });
    const authorizations = await sandbox.ok<{ authorizerAppid: string; status: string }[]>(
      'GET',
      `/components/${COMPONENT.appid}/authorizations`,
    );
    expect(authorizations).toContainEqual(
      expect.objectContaining({ authorizerAppid: answer.appid, status: 'authorized' }),
    );
  });
});
