import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerTokenService, WriteBatcher } from '@app/wechat-open';
import { AuthorizerTokenRepository } from '../../libs/wechat-open/src/authorizer/authorizer-token.repository.js';
import { authorizeAccount } from '../support/accounts.js';
import { startStack, TestPlatform, TestStack } from '../support/stack.js';

describe('AuthorizerTokenService: getAuthorizerToken and rejectToken', () => {
  let stack: TestStack;
  let second: TestPlatform | undefined;
  beforeAll(async () => {
    stack = await startStack({ platform: { schedulers: false } });
  });
  afterAll(() => stack?.close());

  const refreshes = async (appid: string) =>
    (await stack.sandbox.counters()).callsByAccount.api_authorizer_token?.[appid] ?? 0;

  it('getAuthorizerToken reads the token getAuthorizerAccessToken reads, with its stored expiry', async () => {
    const a = await authorizeAccount(stack);
    const tokens = stack.platform.get(AuthorizerTokenService);
    const got = await tokens.getAuthorizerToken(a.appid, stack.component.appid);
    expect(got.token).toBe(await tokens.getAuthorizerAccessToken(a.appid));
    const db = new Client({ connectionString: stack.db.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ expires_at: Date }>(
        `SELECT expires_at FROM authorizer_token WHERE authorizer_appid = $1`,
        [a.appid],
      );
      expect(got.expiresAt.getTime()).toBe(rows[0].expires_at.getTime());
    } finally {
      await db.end();
    }
    // Without the component: the locator finds it.
    expect((await tokens.getAuthorizerToken(a.appid)).token).toBe(got.token);
  });

  it('rejectToken refreshes only the current token, once for many concurrent reports', async () => {
    const a = await authorizeAccount(stack);
    const tokens = stack.platform.get(AuthorizerTokenService);
    const stale = await tokens.getAuthorizerAccessToken(a.appid);
    const before = await refreshes(a.appid);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => tokens.rejectToken(a.appid, stale)),
    );
    const fresh = answers[0].token;
    expect(fresh).not.toBe(stale);
    for (const answer of answers) expect(answer.token).toBe(fresh);
    expect(await refreshes(a.appid)).toBe(before + 1);
    // The old token again, a prefix of the current one, the current one with a byte more: no refresh.
    for (const other of [stale, fresh.slice(0, -1), `${fresh}x`, ''])
      expect((await tokens.rejectToken(a.appid, other)).token).toBe(fresh);
    expect(await refreshes(a.appid)).toBe(before + 1);
  });

  it('an on-demand claim is refused once the row has moved past the version that was read', async () => {
    // The race behind a double refresh: an instance reads the row (due), another stores a new
    // token, then the first claims. The claim is a compare-and-swap on the version it read.
    const a = await authorizeAccount(stack);
    const tokens = stack.platform.get(AuthorizerTokenService);
    const repo = stack.platform.get(AuthorizerTokenRepository);
    const read = (await repo.find(stack.component.appid, a.appid))!;
    const stale = await tokens.getAuthorizerAccessToken(a.appid);
    await tokens.rejectToken(a.appid, stale);
    const now = new Date();
    const until = new Date(now.getTime() + 30_000);
    const claim = (version: number) =>
      repo.claimOne(stack.component.appid, a.appid, 'late', now, until, version);
    expect(await claim(read.version)).toBeNull();
    const current = (await repo.find(stack.component.appid, a.appid))!;
    expect(current.version).toBe(read.version + 1);
    expect(current.leaseOwner).toBeNull();
    expect((await claim(current.version))?.version).toBe(current.version);
  });

  it('two instances told of the same token refresh it once between them', async ({ skip }) => {
    if (stack.db.kind !== 'real') skip('needs a real PostgreSQL with several connections');
    second = await stack.startInstance({ instanceId: 'second', schedulers: false });
    const a = await authorizeAccount(stack);
    const one = stack.platform.get(AuthorizerTokenService);
    const two = second.get(AuthorizerTokenService);
    const stale = await one.getAuthorizerAccessToken(a.appid);
    expect(await two.getAuthorizerAccessToken(a.appid)).toBe(stale);
    const before = await refreshes(a.appid);
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => one.rejectToken(a.appid, stale)),
      ...Array.from({ length: 5 }, () => two.rejectToken(a.appid, stale)),
    ]);
    expect(new Set(answers.map((x) => x.token)).size).toBe(1);
    expect(answers[0].token).not.toBe(stale);
    expect(await refreshes(a.appid)).toBe(before + 1);
  });
});

describe('WriteBatcher.close', () => {
  it('writes what waits and resolves when every group is done', async () => {
    const written: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new WriteBatcher<number, void>(
      async (items) => {
        await gate;
        written.push(...items);
        return items.map(() => undefined);
      },
      3,
      10_000,
    );
    const submitted = [1, 2, 3, 4].map((n) => batcher.submit(n));
    let closed = false;
    const closing = batcher.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(written.sort()).toEqual([1, 2, 3, 4]);
    await Promise.all(submitted);
  });
});
