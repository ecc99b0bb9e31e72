import { Client } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthorizerService } from '@app/wechat-open';
import { authorizeAccount } from '../support/accounts.js';
import { startStack, TestStack } from '../support/stack.js';

describe('profile refreshes', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('failing accounts back off one by one and never block the others', async () => {
    stack = await startStack({
      platform: { schedulers: false, authorizer: { profileBatchSize: 3 } },
    });
    const failing: string[] = [];
    const healthy: string[] = [];
    for (let i = 0; i < 3; i++) failing.push((await authorizeAccount(stack)).appid);
    for (let i = 0; i < 4; i++) healthy.push((await authorizeAccount(stack)).appid);
    const accounts = stack.platform.get(AuthorizerService);
    const db = new Client(stack.db.url);
    await db.connect();
    try {
      // The failing accounts are the oldest (never fetched): the first in line every time.
      await db.query(
        `UPDATE authorizer SET profile_refreshed_at = CASE WHEN authorizer_appid = ANY($1)
           THEN NULL ELSE now() - interval '2 days' END`,
        [failing],
      );
      await stack.sandbox.fault({
        endpoint: 'api_get_authorizer_info',
        errcode: -1,
        appids: failing,
      });
      await stack.sandbox.resetCounters();
      const busy = async () => (await stack!.sandbox.counters()).errcodes['-1'] ?? 0;

      expect(await accounts.refreshStaleProfiles()).toBe(3); // the batch size
      const failedCalls = await busy();
      expect(failedCalls).toBe(9); // three accounts, the adapter's three attempts each
      // The failing accounts wait their turn; the others are refreshed batch after batch.
      expect(await accounts.refreshStaleProfiles()).toBe(3);
      expect(await accounts.refreshStaleProfiles()).toBe(1);
      expect(await accounts.refreshStaleProfiles()).toBe(0);
      expect(await busy()).toBe(failedCalls);
      const { rows } = await db.query<{
        authorizer_appid: string;
        fresh: boolean;
        failures: number;
        waits: boolean;
      }>(
        `SELECT authorizer_appid, profile_refreshed_at > now() - interval '1 minute' AS fresh,
                profile_failure_count AS failures, profile_retry_at > now() AS waits
           FROM authorizer`,
      );
      for (const appid of healthy)
        expect(rows.find((r) => r.authorizer_appid === appid)).toMatchObject({
          fresh: true,
          failures: 0,
        });
      for (const appid of failing)
        expect(rows.find((r) => r.authorizer_appid === appid)).toMatchObject({
          fresh: null,
          failures: 1,
          waits: true,
        });
      // Once WeChat answers again, a refresh clears the account's backoff.
      await stack.sandbox.clearFaults();
      await accounts.refreshProfile(stack.component.appid, failing[0]);
      const after = await db.query(
        `SELECT profile_failure_count AS failures, profile_retry_at AS retry FROM authorizer
          WHERE authorizer_appid = $1`,
        [failing[0]],
      );
      expect(after.rows[0]).toEqual({ failures: 0, retry: null });
    } finally {
      await db.end();
    }
  });
});
