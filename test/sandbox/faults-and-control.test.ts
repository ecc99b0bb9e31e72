import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '@app/sandbox';
import { COMPONENT, Json, MP, OA, SandboxClient } from './sandbox-helpers.js';

const json = (response: Response): Promise<Json> => response.json();

describe('sandbox faults, counters and control API', () => {
  let sandbox: SandboxClient;

  beforeAll(async () => {
    sandbox = await SandboxClient.start();
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.ok('POST', '/reset'));

  const createPreAuthCode = (cat: string, signal?: AbortSignal) =>
    fetch(
      `${sandbox.url}/cgi-bin/component/api_create_preauthcode?component_access_token=${encodeURIComponent(cat)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ component_appid: COMPONENT.appid }),
        signal,
      },
    );

  describe('faults', () => {
    it('serves an errcode for `count` calls, then the real answer', async () => {
      const cat = await sandbox.componentToken();
      const fault = await sandbox.ok('POST', '/faults', {
        endpoint: 'api_create_preauthcode',
        errcode: 45009,
        count: 2,
      });
      expect(fault.id).toEqual(expect.any(String));
      expect((await json(await createPreAuthCode(cat))).errcode).toBe(45009);
      expect(await sandbox.ok('GET', '/faults')).toEqual([
        expect.objectContaining({ id: fault.id, served: 1, count: 2 }),
      ]);
      expect((await json(await createPreAuthCode(cat))).errcode).toBe(45009);
      expect((await json(await createPreAuthCode(cat))).pre_auth_code).toBeDefined();
      expect(await sandbox.ok('GET', '/faults')).toEqual([]);
      const counters = await sandbox.counters();
      expect(counters.errcodes['45009']).toBe(2);
      expect(counters.errcodesByEndpoint.api_create_preauthcode).toEqual({ '45009': 2 });
      expect(counters.calls.api_create_preauthcode).toBe(3);
    });

    it('answers an injected HTTP status', async () => {
      const cat = await sandbox.componentToken();
      await sandbox.ok('POST', '/faults', { endpoint: '*', httpStatus: 503 });
      const response = await createPreAuthCode(cat);
      expect(response.status).toBe(503);
      await sandbox.ok('DELETE', '/faults');
      await sandbox.ok('POST', '/faults', { endpoint: '*', httpStatus: 502, errcode: -1 });
      const withBody = await createPreAuthCode(cat);
      expect(withBody.status).toBe(502);
      expect((await json(withBody)).errcode).toBe(-1);
    });

    it('adds latency', async () => {
      const cat = await sandbox.componentToken();
      await sandbox.ok('POST', '/faults', { endpoint: 'api_create_preauthcode', latencyMs: 300 });
      const started = Date.now();
      const answer = await json(await createPreAuthCode(cat));
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(answer.pre_auth_code).toBeDefined();
    });

    it('hangs until the client gives up', async () => {
      const cat = await sandbox.componentToken();
      await sandbox.ok('POST', '/faults', {
        endpoint: 'api_create_preauthcode',
        hang: true,
        count: 1,
      });
      await expect(createPreAuthCode(cat, AbortSignal.timeout(300))).rejects.toThrow();
      // The fault was used up; the sandbox still answers.
      expect((await json(await createPreAuthCode(cat))).pre_auth_code).toBeDefined();
    });

    it('applies a fault with the given probability', async () => {
      const cat = await sandbox.componentToken();
      await sandbox.ok('POST', '/faults', {
        endpoint: 'api_create_preauthcode',
        errcode: -1,
        probability: 0,
      });
      for (let i = 0; i < 5; i++) {
        expect((await json(await createPreAuthCode(cat))).pre_auth_code).toBeDefined();
      }
      await sandbox.ok('DELETE', '/faults');
      const { id } = await sandbox.ok('POST', '/faults', {
        endpoint: 'api_create_preauthcode',
        errcode: -1,
        probability: 0.5,
      });
      let failed = 0;
      for (let i = 0; i < 40; i++) {
        if ((await json(await createPreAuthCode(cat))).errcode === -1) failed++;
      }
      // 40 calls at p=0.5: the chance of falling outside 5..35 is below 1e-6.
      expect(failed).toBeGreaterThan(5);
      expect(failed).toBeLessThan(35);
      expect(await sandbox.ok('DELETE', `/faults/${id}`)).toEqual({ removed: id });
      expect((await sandbox.control('DELETE', `/faults/${id}`)).status).toBe(404);
    });

    it('refuses a fault without an effect or with a bad field', async () => {
      expect((await sandbox.control('POST', '/faults', { endpoint: '*' })).status).toBe(400);
      expect(
        (await sandbox.control('POST', '/faults', { endpoint: '*', errcode: 1, probability: 2 }))
          .status,
      ).toBe(400);
    });
  });

  describe('control API', () => {
    it('adds components and accounts, validating them', async () => {
      const extra = {
        appid: 'wxcomponent0000002',
        secret: 'second-secret',
        token: 'tok2',
        encodingAesKey: 'A'.repeat(43),
      };
      expect((await sandbox.control('POST', '/components', extra)).status).toBe(201);
      const listed = await sandbox.ok<{ appid: string }[]>('GET', '/components');
      expect(listed.map((c: { appid: string }) => c.appid)).toEqual([COMPONENT.appid, extra.appid]);
      expect(JSON.stringify(listed)).not.toContain('second-secret');
      expect(
        (await sandbox.control('POST', '/components', { ...extra, encodingAesKey: 'short' }))
          .status,
      ).toBe(400);

      // Two components side by side: tokens do not cross.
      const cat2 = await sandbox.componentToken(extra);
      const answer = await sandbox.api(
        '/cgi-bin/component/api_create_preauthcode',
        { component_appid: COMPONENT.appid },
        { component_access_token: cat2 },
      );
      expect(answer.errcode).toBe(40013);

      const account = {
        appid: 'wxnewaccount000001',
        userName: 'gh_new',
        nickName: 'New',
        kind: 'official_account',
        principalName: 'New Ltd',
      };
      expect((await sandbox.control('POST', '/accounts', account)).status).toBe(201);
      expect(
        (await sandbox.control('POST', '/accounts', { ...account, kind: 'robot' })).status,
      ).toBe(400);
      const accounts = await sandbox.ok<{ appid: string }[]>('GET', '/accounts');
      expect(accounts.map((a: { appid: string }) => a.appid)).toContain(account.appid);
      expect((await sandbox.control('DELETE', `/components/${extra.appid}`)).status).toBe(200);
    });

    it('authorizes, updates and revokes without a browser; refuses unknown ones', async () => {
      const base = `/components/${COMPONENT.appid}/accounts/${OA.appid}`;
      const first = await sandbox.ok('POST', `${base}/authorize`, { funcInfo: [1] });
      expect(first).toMatchObject({ infoType: 'authorized', expiresIn: 600, funcInfo: [1] });
      // No eventUrl on this component: nothing delivered.
      expect(first.pushed).toBe(false);
      const updated = await sandbox.ok('POST', `${base}/update`, { funcInfo: [1, 2] });
      expect(updated).toMatchObject({ infoType: 'updateauthorized', funcInfo: [1, 2] });
      expect((await sandbox.control('POST', `${base}/update`, {})).status).toBe(400);
      const authorizations = await sandbox.ok(
        'GET',
        `/components/${COMPONENT.appid}/authorizations`,
      );
      expect(authorizations).toEqual([
        expect.objectContaining({
          authorizerAppid: OA.appid,
          status: 'authorized',
          funcInfo: [1, 2],
        }),
      ]);
      await sandbox.ok('POST', `${base}/revoke`);
      const again = await sandbox.control('POST', `${base}/revoke`);
      expect(again.status).toBe(409);
      expect(again.body.errcode).toBe(61003);
      expect(
        (
          await sandbox.control(
            'POST',
            `/components/${COMPONENT.appid}/accounts/${MP.appid}/update`,
            { funcInfo: [17] },
          )
        ).status,
      ).toBe(409);
      expect(
        (await sandbox.control('POST', `/components/wxnobody/accounts/${OA.appid}/authorize`, {}))
          .status,
      ).toBe(404);
      expect(
        (
          await sandbox.control(
            'POST',
            `/components/${COMPONENT.appid}/accounts/wxnobody/authorize`,
            {},
          )
        ).status,
      ).toBe(404);
    });

    it('reads and changes settings, validating them', async () => {
      const settings = await sandbox.ok('GET', '/settings');
      expect(settings).toEqual({
        componentTokenTtlSec: 7200,
        authorizerTokenTtlSec: 7200,
        jsapiTicketTtlSec: 7200,
        ticketTtlSec: 43200,
        ticketPushIntervalMs: 0,
        tokenGraceSec: 300,
        preAuthCodeTtlSec: 1800,
        authCodeTtlSec: 600,
        pushTimeoutMs: 5000,
        pushAttempts: 3,
        authorizedPushTiming: 'before_redirect',
        afterRedirectPushDelayMs: 200,
        apiDailyLimit: 10000,
        ridTtlSec: 604800,
        callbackIps: ['127.0.0.1', '::1'],
      });
      const changed = await sandbox.ok('PUT', '/settings', { componentTokenTtlSec: 60 });
      expect(changed.componentTokenTtlSec).toBe(60);
      expect(changed.authorizerTokenTtlSec).toBe(7200);
      const cat = await sandbox.ok('POST', `/components/${COMPONENT.appid}/push-ticket`);
      const answer = await sandbox.api('/cgi-bin/component/api_component_token', {
        component_appid: COMPONENT.appid,
        component_appsecret: COMPONENT.secret,
        component_verify_ticket: cat.ticket,
      });
      expect(answer.expires_in).toBe(60);
      expect(
        (await sandbox.control('PUT', '/settings', { authorizedPushTiming: 'later' })).status,
      ).toBe(400);
      expect((await sandbox.control('PUT', '/settings', { unknownSetting: 1 })).status).toBe(400);
      await sandbox.ok('POST', '/reset');
      expect((await sandbox.ok('GET', '/settings')).componentTokenTtlSec).toBe(7200);
    });

    it('counts calls per endpoint and per account, and resets the counters', async () => {
      const cat = await sandbox.componentToken();
      await sandbox.authorizeAndExchange(cat, OA);
      await sandbox.api(
        '/cgi-bin/component/api_create_preauthcode',
        { component_appid: COMPONENT.appid },
        {
          component_access_token: 'stale',
        },
      );
      const counters = await sandbox.counters();
      expect(counters.calls).toMatchObject({
        api_component_token: 1,
        api_query_auth: 1,
        api_create_preauthcode: 1,
      });
      expect(counters.callsByAccount).toMatchObject({
        api_component_token: { [COMPONENT.appid]: 1 },
        api_query_auth: { [OA.appid]: 1 },
      });
      expect(counters.errcodes).toEqual({ '40001': 1 });
      expect(counters.invalidTokensPresented).toEqual([
        {
          endpoint: 'api_create_preauthcode',
          reason: 'unknown',
          tokenKind: 'component_access_token',
          at: expect.any(String),
        },
      ]);
      expect(counters.pushes).toEqual([
        expect.objectContaining({ kind: 'component_verify_ticket', outcome: 'no_url' }),
        expect.objectContaining({
          kind: 'authorized',
          outcome: 'no_url',
          authorizerAppid: OA.appid,
        }),
      ]);
      await sandbox.ok('POST', '/counters/reset');
      const empty = await sandbox.counters();
      expect(empty.calls).toEqual({});
      expect(empty.invalidTokensPresented).toEqual([]);
      // Counters reset; state did not: the token still works.
      expect(
        (
          await sandbox.api(
            '/cgi-bin/component/api_create_preauthcode',
            { component_appid: COMPONENT.appid },
            {
              component_access_token: cat,
            },
          )
        ).pre_auth_code,
      ).toBeDefined();
    });

    it('forgets tokens on /sandbox/reset but keeps components and accounts', async () => {
      const cat = await sandbox.componentToken();
      await sandbox.ok('POST', '/reset');
      expect(
        (
          await sandbox.api(
            '/cgi-bin/component/api_create_preauthcode',
            { component_appid: COMPONENT.appid },
            {
              component_access_token: cat,
            },
          )
        ).errcode,
      ).toBe(40001);
      expect((await sandbox.ok('GET', '/components')).length).toBeGreaterThan(0);
      expect(
        (await sandbox.ok<{ appid: string }[]>('GET', '/accounts')).map(
          (a: { appid: string }) => a.appid,
        ),
      ).toEqual(expect.arrayContaining([OA.appid, MP.appid]));
      const summary = await sandbox.ok('GET', '');
      expect(summary.clockOffsetMs).toBe(0);
    });

    it('starts several sandboxes on random ports and closes them idempotently', async () => {
      const a = await startSandbox({ port: 0 });
      const b = await startSandbox({ port: 0 });
      expect(a.url).not.toBe(b.url);
      expect((await fetch(`${a.url}/sandbox/components`)).status).toBe(200);
      await Promise.all([a.close(), a.close(), b.close()]);
    });
  });
});
