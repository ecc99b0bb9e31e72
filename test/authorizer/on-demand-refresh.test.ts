import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthorizerRefreshScheduler,
  AuthorizerService,
  AuthorizerTokenService,
} from '@app/wechat-open';
import { ComponentTokenService } from '../../libs/wechat-open/src/component-ticket/component-token.service.js';
import { authorizeAccount } from '../support/accounts.js';
import { startStack, TestStack } from '../support/stack.js';

/** Runs SQL against the stack's database. */
async function sql(stack: TestStack, text: string, params: unknown[] = []) {
  const db = new Client(stack.db.url);
  await db.connect();
  try {
    return (await db.query<Record<string, unknown>>(text, params)).rows;
  } finally {
    await db.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const refreshCalls = async (stack: TestStack) =>
  (await stack.sandbox.counters()).calls.api_authorizer_token ?? 0;

describe('on-demand refreshes honour what the sweep learnt', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await stack?.close();
    stack = undefined;
  });

  /** Tokens live `ttlSec`: tests wait for the real expiry (the in-process copy expires too). */
  const setup = async (sandboxSettings: Record<string, unknown> = { authorizerTokenTtlSec: 5 }) => {
    stack = await startStack({
      platform: { schedulers: false, minTokenRemainingSec: 1 },
      sandboxSettings,
    });
    const a = await authorizeAccount(stack);
    const tokens = stack.platform.get(AuthorizerTokenService);
    const accounts = stack.platform.get(AuthorizerService);
    return {
      a,
      tokens,
      scheduler: stack.platform.get(AuthorizerRefreshScheduler),
      /** Waits until the stored token has expired. */
      expired: async () => {
        const health = await accounts.tokenHealth(stack!.component.appid, a.appid);
        await sleep(Math.max(0, health!.expiresAt!.getTime() - Date.now()) + 100);
      },
    };
  };

  it('45009 pause: the stored token is served while valid, then WECHAT_QUOTA_EXHAUSTED without calling WeChat', async () => {
    const { a, tokens, scheduler, expired } = await setup();
    const token = await tokens.getAuthorizerAccessToken(a.appid);
    await sql(stack!, `UPDATE authorizer_token SET next_refresh_at = now()`);
    await stack!.sandbox.fault({ endpoint: 'api_authorizer_token', errcode: 45009 });
    expect(await scheduler.sweep()).toMatchObject({ quota: 1 });
    expect(await refreshCalls(stack!)).toBe(1);
    // Paused, but the stored token is still good: it is served.
    expect(await tokens.getAuthorizerAccessToken(a.appid)).toBe(token);
    // Now it is not: every caller is refused at once, WeChat is not asked again.
    await expired();
    for (let i = 0; i < 8; i++) {
      await expect(
        tokens.call(a.appid, '/cgi-bin/user/info', { query: { openid: 'o1' } }),
      ).rejects.toMatchObject({ code: 'WECHAT_QUOTA_EXHAUSTED' });
    }
    expect(await refreshCalls(stack!)).toBe(1);
  });

  it('45009 met on demand: WECHAT_QUOTA_EXHAUSTED once from WeChat, then from the pause alone', async () => {
    const { a, tokens, expired } = await setup();
    await tokens.getAuthorizerAccessToken(a.appid);
    await expired();
    await stack!.sandbox.fault({ endpoint: 'api_authorizer_token', errcode: 45009 });
    for (let i = 0; i < 8; i++) {
      await expect(tokens.getAuthorizerAccessToken(a.appid)).rejects.toMatchObject({
        code: 'WECHAT_QUOTA_EXHAUSTED',
      });
    }
    expect(await refreshCalls(stack!)).toBe(1);
  });

  it('a 40001 during a 45009 pause does not call WeChat: the typed error comes out of withAuthorizerToken', async () => {
    const { a, tokens, scheduler } = await setup();
    await sql(stack!, `UPDATE authorizer_token SET next_refresh_at = now()`);
    await stack!.sandbox.fault({ endpoint: 'api_authorizer_token', errcode: 45009 });
    expect(await scheduler.sweep()).toMatchObject({ quota: 1 });
    await stack!.sandbox.invalidateToken(a.appid);
    // tokens.call is withAuthorizerToken around the library's client: 40001, then the pause.
    await expect(
      tokens.call(a.appid, '/cgi-bin/user/info', { query: { openid: 'o1' } }),
    ).rejects.toMatchObject({ code: 'WECHAT_QUOTA_EXHAUSTED' });
    expect(await refreshCalls(stack!)).toBe(1);
  });

  it('-1 backoff: the stored token is served while valid, then WECHAT_UNAVAILABLE without calling WeChat', async () => {
    const { a, tokens, scheduler, expired } = await setup();
    const token = await tokens.getAuthorizerAccessToken(a.appid);
    await sql(stack!, `UPDATE authorizer_token SET next_refresh_at = now()`);
    await stack!.sandbox.fault({ endpoint: 'api_authorizer_token', errcode: -1 });
    expect(await scheduler.sweep()).toMatchObject({ retry_later: 1 });
    const attempts = await refreshCalls(stack!);
    expect(attempts).toBe(3); // the adapter's attempts
    expect(await tokens.getAuthorizerAccessToken(a.appid)).toBe(token);
    await expired();
    // The back-off was bounded by the token's time left (it ended before the expiry): the first
    // caller after it tries once more, and that failure, the token now expired, backs off in full.
    await expect(tokens.getAuthorizerAccessToken(a.appid)).rejects.toMatchObject({
      code: 'WECHAT_UNAVAILABLE',
    });
    const retried = await refreshCalls(stack!);
    expect(retried).toBe(attempts * 2);
    for (let i = 0; i < 5; i++) {
      await expect(tokens.getAuthorizerAccessToken(a.appid)).rejects.toMatchObject({
        code: 'WECHAT_UNAVAILABLE',
      });
    }
    expect(await refreshCalls(stack!)).toBe(retried);
    // The backoff over, the next caller refreshes.
    await stack!.sandbox.clearFaults();
    await sql(stack!, `UPDATE authorizer_token SET next_refresh_at = now()`);
    expect(await tokens.getAuthorizerAccessToken(a.appid)).not.toBe(token);
  });

  it('a short-lived token is served, not refreshed on every call (margins scale with its lifetime)', async () => {
    // 30 s tokens with the default 60 s minimum remaining time: only its lifetime's share applies.
    stack = await startStack({
      platform: { schedulers: false },
      sandboxSettings: { authorizerTokenTtlSec: 30 },
    });
    const a = await authorizeAccount(stack);
    const tokens = stack.platform.get(AuthorizerTokenService);
    const first = await tokens.getAuthorizerAccessToken(a.appid);
    for (let i = 0; i < 5; i++) {
      await tokens.call(a.appid, '/cgi-bin/user/info', { query: { openid: 'o1' } });
      expect(await tokens.getAuthorizerAccessToken(a.appid)).toBe(first);
    }
    expect(await refreshCalls(stack)).toBe(0);
  });

  it('a refused component ticket (61005) says so, not "WeChat did not answer"', async () => {
    const { a, tokens, expired } = await setup();
    await tokens.getAuthorizerAccessToken(a.appid);
    await expired();
    // The component token must be minted again, and WeChat refuses the ticket.
    const componentTokens = stack!.platform.get(ComponentTokenService);
    const status = await componentTokens.status(stack!.component.appid);
    await componentTokens.invalidate(stack!.component.appid, status.version);
    await stack!.sandbox.fault({ endpoint: 'api_component_token', errcode: 61005 });
    const error = await tokens.getAuthorizerAccessToken(a.appid).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).not.toBeNull();
    expect(error!.message).toMatch(/61005/);
    expect(error!.message).toMatch(/ticket/);
    expect(error!.message).not.toMatch(/did not answer/);
  });

  it('a 61023 that clears by itself is logged as a retry with the same refresh token, not as a recovery', async () => {
    const { scheduler } = await setup();
    const lines: string[] = [];
    for (const level of ['log', 'warn', 'error'] as const) {
      vi.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => {
        lines.push(String(message));
      });
    }
    await sql(stack!, `UPDATE authorizer_token SET next_refresh_at = now()`);
    await stack!.sandbox.fault({ endpoint: 'api_authorizer_token', errcode: 61023, count: 1 });
    expect(await scheduler.sweep()).toMatchObject({ ok: 1 });
    expect(lines.some((l) => /same refresh token/.test(l))).toBe(true);
    expect(lines.some((l) => /recovered the refresh token/.test(l))).toBe(false);
  });
});
