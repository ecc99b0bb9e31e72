import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthorizerService, AuthorizerTokenService } from '@app/wechat-open';
import { newAccount } from '../support/accounts.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

/** Authorized, with a refresh token and a minted access token. */
async function authorizedWithTokens(stack: TestStack, appid: string, timeoutMs = 30_000) {
  const accounts = stack.platform.get(AuthorizerService);
  return eventually(async () => {
    const record = await accounts.find(stack.component.appid, appid);
    const health = await accounts.tokenHealth(stack.component.appid, appid);
    return (
      record?.status === 'authorized' &&
      health?.hasRefreshToken &&
      health.hasAccessToken && { record, health }
    );
  }, timeoutMs);
}

const failedJobs = async (db: DataSource) =>
  Number(
    (
      await db.query<{ n: string }[]>(
        `SELECT count(*) AS n FROM wechat_job WHERE status = 'failed'`,
      )
    )[0].n,
  );

describe('an authorization is never lost once WeChat has answered', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('a database write that fails after api_query_auth is finished from the kept answer: one api_query_auth call, tokens stored, no failed job', async () => {
    stack = await startStack();
    const db = stack.platform.get(DataSource);
    // The first write of a token (the redemption's) fails for real, inside its transaction.
    await db.query(`CREATE SEQUENCE test_token_writes`);
    await db.query(`
      CREATE FUNCTION test_fail_first_token_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('test_token_writes') = 1 THEN
          RAISE EXCEPTION 'injected: the first token write fails';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER test_fail_first_token_write BEFORE INSERT OR UPDATE ON authorizer_token
      FOR EACH ROW EXECUTE FUNCTION test_fail_first_token_write()`);

    const account = newAccount();
    await stack.sandbox.addAccount(account);
    await stack.sandbox.authorize(stack.component.appid, account.appid, [1, 4, 15]);
    const { record } = await authorizedWithTokens(stack, account.appid);

    expect(record.funcInfo).toEqual([1, 4, 15]);
    const [{ writes }] = await db.query<{ writes: string }[]>(
      `SELECT last_value AS writes FROM test_token_writes`,
    );
    expect(Number(writes)).toBeGreaterThanOrEqual(2); // the failure did happen
    const counters = await stack.sandbox.counters();
    expect(counters.calls.api_query_auth).toBe(1);
    expect(counters.errcodes['61009'] ?? 0).toBe(0);
    expect(await failedJobs(db)).toBe(0);
    // The token works, and the kept answer is gone once the redemption is stored.
    const token = await stack.platform
      .get(AuthorizerTokenService)
      .getAuthorizerAccessToken(account.appid);
    expect(token).toEqual(expect.any(String));
    const codes = await db.query<{ status: string; kept: boolean }[]>(
      `SELECT status, answer_ciphertext IS NOT NULL AS kept FROM authorization_code`,
    );
    expect(codes).toEqual([{ status: 'redeemed', kept: false }]);
  });

  it('a code WeChat consumed while its answer was lost is recovered from api_get_authorizer_info, not turned into a failed job', async () => {
    stack = await startStack();
    const db = stack.platform.get(DataSource);
    // WeChat redeems the code but the answer never arrives: the client times out and asks again.
    await stack.sandbox.fault({ endpoint: 'api_query_auth', loseAnswer: true, count: 1 });

    const account = newAccount();
    await stack.sandbox.addAccount(account);
    await stack.sandbox.authorize(stack.component.appid, account.appid, [1, 2, 11]);
    const { record } = await authorizedWithTokens(stack, account.appid);

    expect(record.funcInfo).toEqual([1, 2, 11]);
    const counters = await stack.sandbox.counters();
    expect(counters.errcodes['61009']).toBe(1);
    expect(counters.calls.api_get_authorizer_info).toBeGreaterThanOrEqual(1);
    // The access token was minted from the recovered refresh token.
    expect(counters.calls.api_authorizer_token).toBeGreaterThanOrEqual(1);
    expect(await failedJobs(db)).toBe(0);
    const [code] = await db.query<{ status: string; authorizer_appid: string }[]>(
      `SELECT status, authorizer_appid FROM authorization_code`,
    );
    expect(code).toEqual({ status: 'redeemed', authorizer_appid: account.appid });
  });
});
