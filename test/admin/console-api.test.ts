import { randomInt } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWechatXml,
  ComponentConfig,
  msgSignature,
  plainSignature,
  WechatMessageCrypto,
} from '@app/wechat-open';
// Internal (not in the package's exports): reached by class in the app's container, as tests may.
import { JOB_QUEUE } from '../../libs/wechat-open/src/core/internal-tokens.js';
import type { JobQueue } from '../../libs/wechat-open/src/jobs/job-queue.service.js';
import { newAccount } from '../support/accounts.js';
import { ApiClient, apiClient, operatorKey, tenantWithKey } from '../support/admin-api.js';
import {
  authorizeThroughPages,
  confirm,
  followEntry,
  get,
  openWechatPage,
} from '../support/browser.js';
import { eventually, startStack, TestStack } from '../support/stack.js';

type SessionStatus = {
  sessionId: string;
  tenantId: string;
  componentAppid: string;
  status: string;
  authorizerAppid: string | null;
  outcome: string | null;
  createdAt: string;
  expiresAt: string;
};
type Insights = {
  since: string;
  until: string;
  bucketSeconds: number;
  refreshes: { at: string; ok: number; failed: number }[];
  errcodes: { errcode: number; count: number }[];
  tokenExpiry: { bucket: string; count: number }[];
  accounts: { total: number; byStatus: { status: string; count: number }[] };
  deliveries: { queued: number; failed: number };
};
type Push = {
  id: string;
  componentAppid: string;
  infoType: string;
  authorizerAppid: string | null;
  payload: Record<string, unknown>;
};
type PushPage = {
  items: Push[];
  nextCursor: string | null;
  infoTypes: { infoType: string; count: number }[];
  messageTypes: { msgType: string; count: number }[];
};
type Job = {
  id: string;
  kind: string;
  status: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string;
  finishedAt: string | null;
};
type JobPage = { items: Job[]; nextCursor: string | null };

/** The body of an error without its request id (which differs on every request). */
const withoutRequestId = (body: unknown) => {
  const { requestId, ...rest } = body as { requestId: string };
  expect(requestId).toMatch(/./);
  return rest;
};

/** A message to an account's message URL, encrypted and signed as WeChat sends it. */
async function sendMessage(
  platformUrl: string,
  component: ComponentConfig,
  authorizerAppid: string,
  fields: Record<string, string | number>,
): Promise<number> {
  const crypto = new WechatMessageCrypto({
    token: component.token,
    encodingAesKey: component.encodingAesKey,
    appid: component.appid,
  });
  const encrypt = crypto.encrypt(buildWechatXml(fields));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(randomInt(100_000_000, 999_999_999));
  const query = new URLSearchParams({
    signature: plainSignature(component.token, timestamp, nonce),
    timestamp,
    nonce,
    openid: String(fields.FromUserName),
    encrypt_type: 'aes',
    msg_signature: msgSignature(component.token, timestamp, nonce, encrypt),
  });
  const res = await fetch(
    `${platformUrl}/wechat/${component.appid}/accounts/${authorizerAppid}/messages?${query.toString()}`,
    {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: buildWechatXml({ ToUserName: String(fields.ToUserName), Encrypt: encrypt }),
    },
  );
  await res.text();
  return res.status;
}

describe("the console's admin API: sessions, insights, pushes, jobs", () => {
  let stack: TestStack;
  let db: Client;
  let operator: ApiClient;
  let acme: ApiClient;
  let globex: ApiClient;
  let base: string;
  const RETURN = 'https://dash.acme.example/wechat/';
  const oa = newAccount('official_account');
  const mp = newAccount('mini_program');
  const gone = newAccount('official_account');
  const rival = newAccount('official_account');

  /** Authorizes `appid` for the key's tenant through a link of the admin API, as a user would. */
  async function connect(client: ApiClient, appid: string) {
    const s = await client.post<{ entryUrl: string }>('/v1/authorization-sessions', {});
    expect(s.status).toBe(201);
    const { landing } = await authorizeThroughPages(s.body.entryUrl, appid);
    expect(landing.status).toBe(302);
  }

  beforeAll(async () => {
    stack = await startStack({ platform: { schedulers: false } });
    base = stack.platform.url;
    db = new Client(stack.db.url);
    await db.connect();
    operator = apiClient(stack.platform, await operatorKey(stack.platform));
    acme = apiClient(
      stack.platform,
      await tenantWithKey(stack.platform, 'acme', { returnUrlPrefixes: [RETURN] }),
    );
    globex = apiClient(stack.platform, await tenantWithKey(stack.platform, 'globex'));
    for (const a of [oa, mp, gone, rival]) await stack.sandbox.addAccount(a);
    await connect(acme, oa.appid);
    await connect(acme, mp.appid);
    await connect(acme, gone.appid);
    await connect(globex, rival.appid);
  });
  afterAll(async () => {
    await db?.end();
    await stack?.close();
  });

  describe('authorization sessions', () => {
    it('default to the console page as return URL, and accept any URL under /console/', async () => {
      const s = await acme.post<{ sessionId: string; entryUrl: string }>(
        '/v1/authorization-sessions',
        {},
      );
      expect(s.status).toBe(201);
      const { landing } = await authorizeThroughPages(s.body.entryUrl, oa.appid);
      expect(landing.status).toBe(302);
      expect(landing.location!.startsWith(`${base}/console/connected`)).toBe(true);

      const own = await acme.post('/v1/authorization-sessions', {
        returnUrl: `${base}/console/accounts?x=1`,
      });
      expect(own.status).toBe(201);
      for (const returnUrl of [
        `${base}/consolex/`,
        `${base}/other/console/`,
        'https://evil.example/console/',
      ]) {
        const bad = await acme.post('/v1/authorization-sessions', { returnUrl });
        expect([returnUrl, bad.status, bad.body.code]).toEqual([
          returnUrl,
          400,
          'INVALID_RETURN_URL',
        ]);
      }
    });

    it('report created, opened, completed, refused and expired', async () => {
      const create = async (client: ApiClient) => {
        const s = await client.post<{ sessionId: string; entryUrl: string }>(
          '/v1/authorization-sessions',
          {},
        );
        expect(s.status).toBe(201);
        return s.body;
      };
      const statusOf = (client: ApiClient, id: string) =>
        client.get<SessionStatus>(`/v1/authorization-sessions/${id}`);

      const s = await create(acme);
      const created = await statusOf(acme, s.sessionId);
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({
        sessionId: s.sessionId,
        tenantId: 'acme',
        componentAppid: stack.component.appid,
        status: 'created',
        authorizerAppid: null,
        outcome: null,
      });
      expect(Object.keys(created.body).sort()).toEqual(
        [
          'authorizerAppid',
          'componentAppid',
          'createdAt',
          'expiresAt',
          'outcome',
          'sessionId',
          'status',
          'tenantId',
        ].sort(),
      );
      const wechatUrl = await followEntry(s.entryUrl);
      expect((await statusOf(acme, s.sessionId)).body.status).toBe('opened');
      const form = await openWechatPage(wechatUrl, s.entryUrl, mp.appid);
      expect((await get(await confirm(form))).status).toBe(302);
      expect((await statusOf(acme, s.sessionId)).body).toMatchObject({
        status: 'completed',
        authorizerAppid: mp.appid,
        outcome: 'ok',
      });

      // Globex's link used by acme's account: the account keeps its tenant, the session says why.
      const taken = await create(globex);
      await authorizeThroughPages(taken.entryUrl, oa.appid);
      expect((await statusOf(globex, taken.sessionId)).body).toMatchObject({
        status: 'refused',
        authorizerAppid: oa.appid,
        outcome: 'TENANT_CONFLICT',
      });

      const late = await create(acme);
      await db.query(
        `UPDATE pre_auth_session SET expires_at = now() - interval '1 minute' WHERE id = $1`,
        [late.sessionId],
      );
      expect((await statusOf(acme, late.sessionId)).body.status).toBe('expired');
      // The operator sees every tenant's.
      expect((await statusOf(operator, taken.sessionId)).body.tenantId).toBe('globex');
    });

    it("answer another tenant's session like an unknown one, and refuse a malformed id", async () => {
      const s = await globex.post<{ sessionId: string }>('/v1/authorization-sessions', {});
      const theirs = await acme.get(`/v1/authorization-sessions/${s.body.sessionId}`);
      const unknown = await acme.get(`/v1/authorization-sessions/${'A'.repeat(32)}`);
      expect([theirs.status, unknown.status]).toEqual([404, 404]);
      expect(withoutRequestId(theirs.body)).toEqual(withoutRequestId(unknown.body));
      expect(withoutRequestId(theirs.body)).toMatchObject({ code: 'NOT_FOUND' });
      for (const bad of ['short', `${'A'.repeat(31)}!`, 'A'.repeat(33)]) {
        const res = await acme.get(`/v1/authorization-sessions/${encodeURIComponent(bad)}`);
        expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
      }
      const anonymous = await apiClient(stack.platform).get(
        `/v1/authorization-sessions/${s.body.sessionId}`,
      );
      expect(anonymous.status).toBe(401);
    });
  });

  describe('insights', () => {
    const HOUR = 3_600_000;
    /** The refresh attempts written below: account, result, errcode, minutes ago. */
    const attempts: [string, string, number | null, number][] = [];
    let seededAt = 0;

    beforeAll(async () => {
      // The refresh log as the library writes it (append-only: inserts only), at known times.
      // Acme's: two refreshes that worked minutes ago and one 5 hours ago, 45009 twice, a timeout
      // (no errcode), a lost race (stale: no failure), and two attempts 30 hours ago (outside
      // the window). Globex's rival: 61023, after which it needs re-authorization.
      attempts.push(
        [oa.appid, 'ok', null, 1],
        [mp.appid, 'ok', null, 2],
        [oa.appid, 'ok', null, 5 * 60],
        [oa.appid, 'quota', 45009, 3],
        [oa.appid, 'quota', 45009, 5 * 60 + 1],
        [mp.appid, 'retry_later', null, 4],
        [oa.appid, 'stale', null, 1],
        [oa.appid, 'ok', null, 30 * 60],
        [oa.appid, 'error', 40013, 30 * 60],
        [rival.appid, 'needs_reauth', 61023, 0],
      );
      seededAt = Date.now();
      for (const [appid, result, errcode, minutesAgo] of attempts) {
        await db.query(
          `INSERT INTO authorizer_refresh_log
             (component_appid, authorizer_appid, instance, trigger, result, errcode, duration_ms, at)
           VALUES ($1, $2, 'test', 'schedule', $3, $4, 5, $5)`,
          [stack.component.appid, appid, result, errcode, new Date(seededAt - minutesAgo * 60_000)],
        );
      }
      await db.query(`UPDATE authorizer SET status = 'needs_reauth' WHERE authorizer_appid = $1`, [
        rival.appid,
      ]);
      // Detached: its token is forgotten and it leaves the expiry numbers.
      const detached = await acme.post(
        `/v1/components/${stack.component.appid}/authorizers/${gone.appid}/detach`,
        { confirm: gone.appid },
      );
      expect(detached.status).toBe(200);
      // Known times left: acme's oa 10 minutes, mp expired; globex's rival 3 hours.
      const expires = (appid: string, sql: string) =>
        db.query(`UPDATE authorizer_token SET expires_at = ${sql} WHERE authorizer_appid = $1`, [
          appid,
        ]);
      await expires(oa.appid, `now() + interval '10 minutes'`);
      await expires(mp.appid, `now() - interval '1 minute'`);
      await expires(rival.appid, `now() + interval '3 hours'`);
    });

    it("count a tenant's refreshes, errcodes, token expiry and accounts, and no one else's", async () => {
      const res = await acme.get<Insights>('/v1/insights?hours=24');
      expect(res.status).toBe(200);
      const i = res.body;
      expect(i.bucketSeconds).toBe(3600);
      expect(i.refreshes).toHaveLength(24);
      for (const [n, b] of i.refreshes.entries()) {
        expect(new Date(b.at).getTime() % 3_600_000).toBe(0);
        expect(new Date(b.at).getTime()).toBe(new Date(i.since).getTime() + n * 3_600_000);
      }
      expect(new Date(i.refreshes[23].at).getTime()).toBeLessThanOrEqual(
        new Date(i.until).getTime(),
      );
      expect(new Date(i.until).getTime() - new Date(i.refreshes[23].at).getTime()).toBeLessThan(
        3_600_000,
      );
      // Each attempt in the bucket of its hour; those 30 hours ago in none.
      const since = new Date(i.since).getTime();
      const expected = i.refreshes.map((b) => ({ at: b.at, ok: 0, failed: 0 }));
      for (const [appid, result, , minutesAgo] of attempts) {
        if (appid === rival.appid || minutesAgo >= 24 * 60) continue;
        const slot = expected[Math.floor((seededAt - minutesAgo * 60_000 - since) / HOUR)];
        if (result === 'ok') slot.ok += 1;
        else if (result !== 'stale') slot.failed += 1;
      }
      expect(i.refreshes).toEqual(expected);
      expect(i.refreshes.reduce((n, b) => n + b.ok, 0)).toBe(3);
      expect(i.refreshes.reduce((n, b) => n + b.failed, 0)).toBe(3);
      expect(i.errcodes).toEqual([{ errcode: 45009, count: 2 }]);
      expect(i.tokenExpiry).toEqual([
        { bucket: 'expired', count: 1 },
        { bucket: 'lt5m', count: 0 },
        { bucket: 'lt15m', count: 1 },
        { bucket: 'lt30m', count: 0 },
        { bucket: 'lt60m', count: 0 },
        { bucket: 'lt120m', count: 0 },
        { bucket: 'ge120m', count: 0 },
      ]);
      expect(i.accounts).toEqual({
        total: 3,
        byStatus: [
          { status: 'authorized', count: 2 },
          { status: 'revoked', count: 0 },
          { status: 'needs_reauth', count: 0 },
          { status: 'detached', count: 1 },
        ],
      });

      // Two hours: the rival's attempt, written a moment ago, is in the window even across an hour.
      const theirs = await operator.get<Insights>('/v1/insights?tenantId=globex&hours=2');
      expect(theirs.status).toBe(200);
      expect(theirs.body.refreshes).toHaveLength(2);
      expect(theirs.body.errcodes).toEqual([{ errcode: 61023, count: 1 }]);
      expect(theirs.body.refreshes.map((b) => [b.ok, b.failed])).toContainEqual([0, 1]);
      expect(theirs.body.refreshes.reduce((n, b) => n + b.ok + b.failed, 0)).toBe(1);
      expect(theirs.body.accounts).toEqual({
        total: 1,
        byStatus: [
          { status: 'authorized', count: 0 },
          { status: 'revoked', count: 0 },
          { status: 'needs_reauth', count: 1 },
          { status: 'detached', count: 0 },
        ],
      });
      // Needing re-authorization is not gone: its token is still counted.
      expect(theirs.body.tokenExpiry.filter((b) => b.count > 0)).toEqual([
        { bucket: 'ge120m', count: 1 },
      ]);

      const all = await operator.get<Insights>('/v1/insights');
      expect(all.body.refreshes).toHaveLength(24);
      expect(all.body.errcodes).toEqual([
        { errcode: 45009, count: 2 },
        { errcode: 61023, count: 1 },
      ]);
      expect(all.body.accounts.total).toBe(4);
    });

    it("count a tenant's queued and failed webhook deliveries, and no one else's", async () => {
      const endpoint = async (client: ApiClient, tenantId: string) => {
        const res = await client.post<{ webhook: { id: string } }>(
          `/v1/tenants/${tenantId}/webhooks`,
          { url: 'https://hooks.example/wechat' },
        );
        expect(res.status).toBe(201);
        return res.body.webhook.id;
      };
      const acmeHook = await endpoint(acme, 'acme');
      const globexHook = await endpoint(globex, 'globex');
      // The queue as the forwarder writes it, at known states and times.
      const rows: [string, string, number][] = [
        [acmeHook, 'pending', 0],
        [acmeHook, 'delivering', 0],
        [acmeHook, 'dead', 2 * 60],
        [acmeHook, 'dead', 30 * 60],
        [acmeHook, 'delivered', 1 * 60],
        [globexHook, 'dead', 1 * 60],
        [globexHook, 'pending', 0],
      ];
      for (const [n, [endpointId, status, minutesAgo]] of rows.entries()) {
        await db.query(
          `INSERT INTO webhook_delivery
             (id, endpoint_id, kind, dedupe_key, body_ciphertext, status, next_attempt_at, created_at, updated_at)
           VALUES (gen_random_uuid(), $1, 'event', $2, 'x', $3, now(), $4, $4)`,
          [endpointId, `insights-${n}`, status, new Date(Date.now() - minutesAgo * 60_000)],
        );
      }
      const mine = await acme.get<Insights>('/v1/insights?hours=24');
      expect(mine.body.deliveries).toEqual({ queued: 2, failed: 1 });
      const theirs = await operator.get<Insights>('/v1/insights?tenantId=globex');
      expect(theirs.body.deliveries).toEqual({ queued: 1, failed: 1 });
      const all = await operator.get<Insights>('/v1/insights?hours=168');
      expect(all.body.deliveries).toEqual({ queued: 3, failed: 3 });
    });

    it('refuse another tenant, and hours outside 1..168', async () => {
      const theirs = await acme.get('/v1/insights?tenantId=globex');
      const nobody = await acme.get('/v1/insights?tenantId=nobody');
      expect(theirs.status).toBe(404);
      expect(withoutRequestId(theirs.body)).toEqual(withoutRequestId(nobody.body));
      for (const bad of [
        'hours=0',
        'hours=169',
        'hours=1.5',
        'hours=x',
        'hours=1&hours=2',
        'extra=1',
        'tenantId=Bad!',
      ]) {
        const res = await acme.get(`/v1/insights?${bad}`);
        expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
      }
      const week = await acme.get<Insights>('/v1/insights?hours=168');
      expect(week.body.refreshes).toHaveLength(168);
    });
  });

  describe('pushes', () => {
    beforeAll(async () => {
      const user = `o${randomInt(1e9)}`;
      const at = () => Math.floor(Date.now() / 1000);
      const sent = [
        await sendMessage(base, stack.component, oa.appid, {
          ToUserName: oa.userName,
          FromUserName: user,
          CreateTime: at(),
          MsgType: 'text',
          Content: 'hello',
          MsgId: `${Date.now()}1`,
        }),
        await sendMessage(base, stack.component, oa.appid, {
          ToUserName: oa.userName,
          FromUserName: user,
          CreateTime: at(),
          MsgType: 'event',
          Event: 'SUBSCRIBE',
        }),
        await sendMessage(base, stack.component, oa.appid, {
          ToUserName: oa.userName,
          FromUserName: user,
          CreateTime: at(),
          MsgType: 'text/../../etc',
          MsgId: `${Date.now()}2`,
        }),
        await sendMessage(base, stack.component, rival.appid, {
          ToUserName: rival.userName,
          FromUserName: user,
          CreateTime: at(),
          MsgType: 'voice',
          MsgId: `${Date.now()}3`,
        }),
      ];
      expect(sent).toEqual([200, 200, 200, 200]);
    });

    it('list stored pushes newest first, payloads redacted, with the last day by type', async () => {
      const res = await operator.get<PushPage>('/v1/pushes');
      expect(res.status).toBe(200);
      const ids = res.body.items.map((p) => BigInt(p.id));
      expect(ids.length).toBeGreaterThan(3);
      expect([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(ids);
      const ticket = res.body.items.find((p) => p.infoType === 'component_verify_ticket');
      expect(ticket?.authorizerAppid).toBeNull();
      expect(ticket?.payload.ComponentVerifyTicket).toBe('[redacted]');
      const authorized = res.body.items.find((p) => p.infoType === 'authorized');
      expect(authorized?.payload.AuthorizationCode).toBe('[redacted]');
      expect(JSON.stringify(res.body)).not.toMatch(/ticket@@@|queryauthcode@@@/);
      expect(res.body.infoTypes).toEqual(
        expect.arrayContaining([
          { infoType: 'component_verify_ticket', count: expect.any(Number) },
          { infoType: 'authorized', count: expect.any(Number) },
        ]),
      );
      expect(res.body.messageTypes).toEqual(
        expect.arrayContaining([
          { msgType: 'text', count: 1 },
          { msgType: 'event:subscribe', count: 1 },
          { msgType: 'other', count: 1 },
          { msgType: 'voice', count: 1 },
        ]),
      );

      const first = await operator.get<PushPage>('/v1/pushes?limit=2');
      expect(first.body.items).toHaveLength(2);
      const second = await operator.get<PushPage>(
        `/v1/pushes?limit=2&cursor=${first.body.nextCursor}`,
      );
      expect([...first.body.items, ...second.body.items].map((p) => p.id)).toEqual(
        res.body.items.slice(0, 4).map((p) => p.id),
      );
      const tickets = await operator.get<PushPage>(
        `/v1/pushes?infoType=component_verify_ticket&componentAppid=${stack.component.appid}`,
      );
      expect(tickets.body.items.length).toBeGreaterThan(0);
      expect(new Set(tickets.body.items.map((p) => p.infoType))).toEqual(
        new Set(['component_verify_ticket']),
      );
    });

    it("show a tenant only its accounts' pushes and messages", async () => {
      const res = await acme.get<PushPage>('/v1/pushes?limit=200');
      expect(res.status).toBe(200);
      const mine = new Set([oa.appid, mp.appid, gone.appid]);
      expect(res.body.items.length).toBeGreaterThan(0);
      for (const p of res.body.items) expect(mine.has(p.authorizerAppid!)).toBe(true);
      expect(res.body.items.some((p) => p.authorizerAppid === rival.appid)).toBe(false);
      expect(res.body.infoTypes.map((t) => t.infoType)).not.toContain('component_verify_ticket');
      expect(res.body.infoTypes.reduce((n, t) => n + t.count, 0)).toBe(res.body.items.length);
      expect([...res.body.messageTypes].sort((a, b) => a.msgType.localeCompare(b.msgType))).toEqual(
        [
          { msgType: 'event:subscribe', count: 1 },
          { msgType: 'other', count: 1 },
          { msgType: 'text', count: 1 },
        ],
      );
      const tickets = await acme.get<PushPage>('/v1/pushes?infoType=component_verify_ticket');
      expect(tickets.body.items).toEqual([]);
      const theirs = await globex.get<PushPage>('/v1/pushes');
      expect(theirs.body.messageTypes).toEqual([{ msgType: 'voice', count: 1 }]);
    });

    it('refuse malformed filters and cursors', async () => {
      for (const bad of [
        'cursor=abc',
        'cursor=0',
        `cursor=${'9'.repeat(30)}`,
        'limit=0',
        'limit=201',
        'infoType=a%20b',
        'componentAppid=nope',
        'tenantId=acme',
      ]) {
        const res = await acme.get(`/v1/pushes?${bad}`);
        expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
      }
    });
  });

  describe('jobs', () => {
    let failedId: string;

    beforeAll(async () => {
      // A job of a kind nothing handles fails for good at its first try.
      await stack.platform.app
        .get<JobQueue>(JOB_QUEUE, { strict: false })
        .enqueue('retired.kind', stack.component.appid, 'console-test', { secret: 'payload' });
      const failed = await eventually(async () => {
        const page = await operator.get<JobPage>('/v1/jobs?status=failed');
        return page.body.items.find((j) => j.kind === 'retired.kind');
      });
      failedId = failed.id;
    });

    it('list the failed jobs without their payloads, and page on', async () => {
      const res = await operator.get<JobPage>('/v1/jobs?status=failed');
      expect(res.status).toBe(200);
      const job = res.body.items.find((j) => j.id === failedId)!;
      expect(job).toMatchObject({
        kind: 'retired.kind',
        componentAppid: stack.component.appid,
        status: 'failed',
        attempts: 1,
        lastError: expect.stringContaining('no handler for job kind retired.kind'),
      });
      expect(job.finishedAt).toEqual(expect.any(String));
      expect(Object.keys(job).sort()).toEqual(
        [
          'attempts',
          'componentAppid',
          'createdAt',
          'finishedAt',
          'id',
          'kind',
          'lastError',
          'nextAttemptAt',
          'status',
        ].sort(),
      );
      expect(JSON.stringify(job)).not.toContain('secret');
      const [components] = (
        await operator.get<{ items: { appid: string; failedJobs: number }[] }>('/v1/components')
      ).body.items.filter((c) => c.appid === stack.component.appid);
      expect(components.failedJobs).toBe(res.body.items.length);

      const all = await operator.get<JobPage>('/v1/jobs');
      expect(all.body.items.length).toBeGreaterThan(1);
      const first = await operator.get<JobPage>('/v1/jobs?limit=1');
      const second = await operator.get<JobPage>(
        `/v1/jobs?limit=1&cursor=${first.body.nextCursor}`,
      );
      expect([...first.body.items, ...second.body.items].map((j) => j.id)).toEqual(
        all.body.items.slice(0, 2).map((j) => j.id),
      );
    });

    it('put a failed job back in the queue, due now with its attempts kept, and run it again', async () => {
      const before = Date.now();
      const res = await operator.post<Job>(`/v1/jobs/${failedId}/retry`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: failedId,
        kind: 'retired.kind',
        componentAppid: stack.component.appid,
        lastError: expect.stringContaining('no handler'),
        createdAt: expect.any(String),
        status: 'pending',
        attempts: 1,
        finishedAt: null,
      });
      expect(new Date(res.body.nextAttemptAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(new Date(res.body.nextAttemptAt).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      // It ran again (still unhandled): failed anew, one more attempt.
      const again = await eventually(async () => {
        const page = await operator.get<JobPage>('/v1/jobs?status=failed');
        return page.body.items.find((j) => j.id === failedId && j.attempts === 2);
      });
      expect(again.status).toBe('failed');
    });

    it('refuse a job that is not failed (409), unknown (404), malformed (400), and tenant keys', async () => {
      const done = await operator.get<JobPage>('/v1/jobs?status=done');
      expect(done.body.items.length).toBeGreaterThan(0);
      const notFailed = await operator.post(`/v1/jobs/${done.body.items[0].id}/retry`);
      expect([notFailed.status, notFailed.body.code]).toEqual([409, 'JOB_NOT_FAILED']);
      const unknown = await operator.post('/v1/jobs/999999999999/retry');
      expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND']);
      for (const bad of ['abc', '0', '-1', '9'.repeat(30)]) {
        const res = await operator.post(`/v1/jobs/${bad}/retry`);
        expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
      }
      for (const bad of ['status=dead', 'cursor=x', 'limit=500']) {
        const res = await operator.get(`/v1/jobs?${bad}`);
        expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
      }
      const list = await acme.get('/v1/jobs?status=failed');
      const retry = await acme.post(`/v1/jobs/${failedId}/retry`);
      expect([list.status, list.body.code]).toEqual([403, 'KEY_KIND_REFUSED']);
      expect([retry.status, retry.body.code]).toEqual([403, 'KEY_KIND_REFUSED']);
    });
  });
});
