import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerEvents, AuthorizerService, AuthorizerTokenService } from '@app/wechat-open';
import { authorizeAccount } from '../support/accounts.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

describe('authorizer registry', () => {
  let stack: TestStack;
  let db: Client;
  let accounts: AuthorizerService;

  beforeAll(async () => {
    stack = await startStack();
    db = new Client(stack.db.url);
    await db.connect();
    accounts = stack.platform.get(AuthorizerService);
  });
  afterAll(async () => {
    await db.end();
    await stack.close();
  });

  it('keeps one record per authorization, with profile, permissions and history; tokens encrypted', async () => {
    const oa = await authorizeAccount(stack, 'official_account', [1, 2, 15]);
    const record = await accounts.get(stack.component.appid, oa.appid);
    expect(record).toMatchObject({
      status: 'authorized',
      accountKind: 'official_account',
      nickName: oa.nickName,
      userName: oa.userName,
      principalName: oa.principalName,
      serviceType: 2,
      verifyType: 0,
      funcInfo: [1, 2, 15],
    });
    expect(record.authorizedAt).toBeInstanceOf(Date);
    const history = await accounts.history(stack.component.appid, oa.appid);
    expect(history.map((h) => [h.action, h.cause])).toEqual([['authorized', 'push:authorized']]);

    const token = await stack.platform
      .get(AuthorizerTokenService)
      .getAuthorizerAccessToken(oa.appid);
    const { rows } = await db.query<{ a: string; r: string }>(
      'SELECT access_token_ciphertext AS a, refresh_token_ciphertext AS r FROM authorizer_token WHERE authorizer_appid = $1',
      [oa.appid],
    );
    expect(rows[0].a).not.toContain(token);
    expect(rows[0].a.startsWith('v1:')).toBe(true);
    expect(rows[0].r.startsWith('v1:')).toBe(true);
  });

  it('tells a mini program by MiniProgramInfo', async () => {
    const mp = await authorizeAccount(stack, 'mini_program');
    expect((await accounts.get(stack.component.appid, mp.appid)).accountKind).toBe('mini_program');
  });

  it('records an update of the permission sets', async () => {
    const oa = await authorizeAccount(stack, 'official_account', [1, 2]);
    await stack.sandbox.update(stack.component.appid, oa.appid, [1, 2, 7]);
    await eventually(
      async () => (await accounts.get(stack.component.appid, oa.appid)).funcInfo.length === 3,
    );
    const history = await accounts.history(stack.component.appid, oa.appid);
    expect(history[0]).toMatchObject({
      action: 'updated',
      cause: 'push:updateauthorized',
      changes: { funcInfo: { from: [1, 2], to: [1, 2, 7] } },
    });
  });

  it('keeps the record on revocation, erases its tokens, and refuses its token with a clear error', async () => {
    const oa = await authorizeAccount(stack);
    const revoked: string[] = [];
    stack.platform.get(AuthorizerEvents).on('revoked', (e) => {
      revoked.push(e.record.authorizerAppid);
    });
    await stack.sandbox.revoke(stack.component.appid, oa.appid);
    await eventually(
      async () => (await accounts.get(stack.component.appid, oa.appid)).status === 'revoked',
    );
    const record = await accounts.get(stack.component.appid, oa.appid);
    expect(record.revokedAt).toBeInstanceOf(Date);
    expect(revoked).toEqual([oa.appid]);
    const { rows } = await db.query(
      'SELECT access_token_ciphertext, refresh_token_ciphertext, next_refresh_at FROM authorizer_token WHERE authorizer_appid = $1',
      [oa.appid],
    );
    expect(rows[0]).toEqual({
      access_token_ciphertext: null,
      refresh_token_ciphertext: null,
      next_refresh_at: null,
    });
    await expect(
      stack.platform.get(AuthorizerTokenService).getAuthorizerAccessToken(oa.appid),
    ).rejects.toMatchObject({
      code: 'AUTHORIZER_REVOKED',
    });
    expect((await accounts.history(stack.component.appid, oa.appid))[0]).toMatchObject({
      action: 'revoked',
      cause: 'push:unauthorized',
    });
  });

  it('keeps history append-only for DBAs', async () => {
    await expect(db.query('DELETE FROM authorizer_history')).rejects.toThrow(/append-only/);
    await expect(db.query(`UPDATE wechat_event_log SET info_type = 'x'`)).rejects.toThrow(
      /append-only/,
    );
  });

  it('finds accounts the database lost through api_get_authorizer_list (restore scenario)', async () => {
    const oa = await authorizeAccount(stack);
    await db.query('DELETE FROM authorizer WHERE authorizer_appid = $1', [oa.appid]);
    const result = await accounts.syncAuthorizerList(stack.component.appid);
    expect(result.created).toBe(1);
    const record = await accounts.get(stack.component.appid, oa.appid);
    expect(record.status).toBe('authorized');
    expect((await accounts.history(stack.component.appid, oa.appid))[0].action).toBe('discovered');
    // The recovered refresh token works: the next use mints an access token on demand.
    await expect(
      stack.platform.get(AuthorizerTokenService).getAuthorizerAccessToken(oa.appid),
    ).resolves.toBeTruthy();
  });
});

describe('cli sync-authorizers', () => {
  it('registers the accounts WeChat lists and the database lost', async () => {
    const { runCli } = await import('../../apps/platform/src/cli.js');
    const stack = await startStack();
    const db = new Client(stack.db.url);
    await db.connect();
    const saved = { ...process.env };
    try {
      const oa = await authorizeAccount(stack);
      await db.query('DELETE FROM authorizer WHERE authorizer_appid = $1', [oa.appid]);
      Object.assign(process.env, {
        DATABASE_URL: stack.db.url,
        WECHAT_API_BASE_URL: stack.sandbox.url,
        WECHAT_COMPONENTS: JSON.stringify([stack.component]),
        DATA_ENCRYPTION_KEYS: `t1:${Buffer.alloc(32, 7).toString('base64')}`,
      });
      let out = '';
      let err = '';
      const code = await runCli(['sync-authorizers'], {
        out: (s) => (out += s),
        err: (s) => (err += s),
        stdin: () => '',
      });
      // Off a terminal the progress is plain lines on standard error.
      expect({ code, err }).toEqual({ code: 0, err: `${stack.component.appid}: 1/1 accounts\n` });
      expect(out).toBe(`${stack.component.appid}: 1 listed, 1 new, 0 recovered\n`);
      const { rows } = await db.query('SELECT status FROM authorizer WHERE authorizer_appid = $1', [
        oa.appid,
      ]);
      expect(rows).toEqual([{ status: 'authorized' }]);
    } finally {
      process.env = saved;
      await db.end();
      await stack.close();
    }
  });
});
