import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../libs/wechat-open/src/core/secret-box.js';
import { ourFaults } from '../support/reliability-lifetimes.js';
import {
  PlatformProcess,
  ProcessRig,
  startProcessRig,
  until,
} from '../support/reliability-processes.js';
import { freePort } from '../support/stack.js';
import { SCALE, summary } from './scale.js';

const SIZE =
  SCALE === 'full'
    ? { accounts: 400, concurrency: 10, latencyMs: 250 }
    : { accounts: 60, concurrency: 4, latencyMs: 250 };
/** Long next to the run: a lapse here is the kill's doing, not the clock's. */
const TOKEN_TTL_SEC = 600;
/** Short, so that a token WeChat issued to the killed instance retires ours within the run. */
const GRACE_SEC = 8;
const LEASE_SEC = 5;

interface LeaseRow {
  owner: string | null;
  n: number;
}

/**
 * Two platform processes sweep one database; every account comes due at once, WeChat answers
 * slowly, and the instance holding the most claims is killed with SIGKILL mid-sweep (no shutdown
 * hook runs), then restarted. Its claims must come free when their lease ends, every due account
 * must be refreshed, and no account may be left with a token WeChat no longer takes.
 */
describe(`kill -9 mid-sweep: 2 platform processes, ${SIZE.accounts} accounts due at once`, () => {
  let rig: ProcessRig;
  let appids: string[];
  let box: SecretBox;

  beforeAll(async () => {
    rig = await startProcessRig(
      { authorizerTokenTtlSec: TOKEN_TTL_SEC, tokenGraceSec: GRACE_SEC },
      {
        AUTHORIZER_LEASE_SEC: String(LEASE_SEC),
        AUTHORIZER_REFRESH_CONCURRENCY: String(SIZE.concurrency),
        WECHAT_HTTP_TIMEOUT_MS: '5000',
      },
    );
    box = new SecretBox(SecretBox.parseKeys(rig.dataKeys));
    await rig.spawn();
    await rig.spawn({}, await freePort());
    await rig.sandbox.pushTicket(rig.component.appid);
    appids = await rig.authorize(SIZE.accounts);
  }, 600_000);

  afterAll(async () => rig?.close());

  const leases = async () =>
    (
      await rig.client.query<LeaseRow>(
        `SELECT lease_owner owner, count(*)::int n FROM authorizer_token
          WHERE lease_owner IS NOT NULL AND lease_until > now() GROUP BY lease_owner`,
      )
    ).rows;

  it('the claims of the killed instance come free, every due account is refreshed, no token lost or lapsed', async () => {
    const startedAt = Date.now();
    await rig.sandbox.resetCounters();
    await rig.sandbox.fault({ endpoint: 'api_authorizer_token', latencyMs: SIZE.latencyMs });
    const { rows: due } = await rig.client.query<{ t0: Date }>(
      `UPDATE authorizer_token SET next_refresh_at = now() WHERE authorizer_appid = ANY($1)
       RETURNING now() t0`,
      [appids],
    );
    const t0 = due[0].t0;
    const refreshedSince = async () =>
      (
        await rig.client.query<{ n: number }>(
          `SELECT count(*)::int n FROM authorizer_token
            WHERE authorizer_appid = ANY($1) AND refreshed_at > $2`,
          [appids, t0],
        )
      ).rows[0].n;
    // Mid-sweep: some refreshed, claims held.
    const held = await until(
      'a sweep in flight',
      async () => {
        const l = await leases();
        const total = l.reduce((s, r) => s + r.n, 0);
        return total >= SIZE.concurrency && (await refreshedSince()) > 0 && l;
      },
      60_000,
    );
    const top = held.reduce((a, b) => (b.n > a.n ? b : a));
    const pid = Number(top.owner!.split(':').at(-2));
    const victim = rig.processes.find((p) => p.pid === pid) as PlatformProcess;
    expect(victim).toBeDefined();
    await victim.kill9();
    const killedAt = Date.now();
    const refreshedBeforeKill = await refreshedSince();
    const { rows: heldRows } = await rig.client.query<{ n: number }>(
      `SELECT count(*)::int n FROM authorizer_token WHERE lease_owner = $1`,
      [top.owner],
    );
    const claimsHeldAtKill = heldRows[0].n;
    await rig.sandbox.clearFaults();
    // Restarted on its port (the event URL's).
    await rig.spawn({}, victim.port);
    await until(
      'every due account refreshed',
      async () => (await refreshedSince()) === appids.length,
      120_000,
    );
    const recoverySec = (Date.now() - killedAt) / 1000;
    // Past WeChat's grace, a token issued to the dead instance would have retired ours.
    await new Promise((r) => setTimeout(r, (GRACE_SEC + 1) * 1000));
    const { rows: stuck } = await rig.client.query<{ n: number; dead: number }>(
      `SELECT count(*) FILTER (WHERE lease_owner IS NOT NULL AND lease_until < now())::int n,
              count(*) FILTER (WHERE lease_owner = $1)::int dead
         FROM authorizer_token`,
      [top.owner],
    );
    const { rows: lapsed } = await rig.client.query<{ n: number }>(
      `SELECT count(*)::int n FROM authorizer_token t JOIN authorizer a USING (component_appid, authorizer_appid)
        WHERE a.status = 'authorized' AND (t.expires_at <= now() OR t.access_token_ciphertext IS NULL)`,
    );
    // Every stored token, presented to WeChat once: one it no longer takes was lost.
    const { rows: stored } = await rig.client.query<{ a: string; c: string }>(
      `SELECT authorizer_appid a, access_token_ciphertext c FROM authorizer_token
        WHERE authorizer_appid = ANY($1)`,
      [appids],
    );
    let lost = 0;
    for (const row of stored) {
      const res = await fetch(
        `${rig.sandbox.url}/cgi-bin/user/info?openid=o-user-1&access_token=${encodeURIComponent(box.open(row.c))}`,
      );
      const answer = (await res.json()) as { errcode?: number };
      if ((answer.errcode ?? 0) !== 0) lost++;
    }
    const c = await rig.sandbox.counters();
    summary('kill-9', {
      accounts: appids.length,
      claimsHeldAtKill,
      refreshedBeforeKill,
      refreshedAfter: appids.length - refreshedBeforeKill,
      tokensLost: lost + (appids.length - stored.length),
      stuckClaims: stuck[0].n,
      deadOwnerClaims: stuck[0].dead,
      lapsed: lapsed[0].n,
      invalidPresented: ourFaults(c),
      refreshCalls: c.calls.api_authorizer_token ?? 0,
      recoverySec: recoverySec.toFixed(1),
      totalSec: ((Date.now() - startedAt) / 1000).toFixed(1),
    });
    expect(claimsHeldAtKill).toBeGreaterThan(0);
    expect(refreshedBeforeKill).toBeLessThan(appids.length);
    expect(lost).toBe(0);
    expect(stored.length).toBe(appids.length);
    expect(stuck[0].n).toBe(0);
    expect(stuck[0].dead).toBe(0);
    expect(lapsed[0].n).toBe(0);
    expect(ourFaults(c)).toBe(0);
  }, 600_000);
});
