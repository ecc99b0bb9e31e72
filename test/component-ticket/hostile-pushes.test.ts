import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizerService, KNOWN_INFO_TYPES } from '@app/wechat-open';
import { authorizeAccount } from '../support/accounts.js';
import { envelope, postPush, signedMessage, signedPush } from '../support/push.js';
import { eventually, startStack, TestStack } from '../support/stack.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const nowSec = () => Math.floor(Date.now() / 1000);
const codeOf = (r: { body: string }) => (JSON.parse(r.body) as { code: string }).code;

describe('the event URL under hostile input', () => {
  let stack: TestStack;
  let db: Client;
  const count = async (table: string) =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  const post = (p: { query: string; body: string }) =>
    postPush(stack.platform.url, stack.component.appid, p);
  const ticketFields = (ticket: string, createTime = nowSec()) => ({
    AppId: stack.component.appid,
    CreateTime: createTime,
    InfoType: 'component_verify_ticket',
    ComponentVerifyTicket: ticket,
  });

  beforeAll(async () => {
    stack = await startStack({ initialTicket: false, platform: { schedulers: false } });
    db = new Client(stack.db.url);
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await stack.close();
  });

  describe('refuses with a 4xx and a stable code, and stores nothing', () => {
    let logRows: number;
    beforeAll(async () => {
      logRows = await count('wechat_event_log');
    });
    afterAll(async () => {
      expect(await count('wechat_event_log')).toBe(logRows);
      expect(await count('component_verify_ticket')).toBe(0);
    });

    it('a push signed longer ago than the freshness window (a replay)', async () => {
      const r = await post(
        signedPush(stack.component, ticketFields('t@@@old'), { timestamp: nowSec() - 301 }),
      );
      expect(r.status).toBe(401);
      expect(codeOf(r)).toBe('PUSH_TIMESTAMP_OUT_OF_WINDOW');
    });

    it('a push signed too far in the future', async () => {
      const r = await post(
        signedPush(stack.component, ticketFields('t@@@future'), { timestamp: nowSec() + 400 }),
      );
      expect(r.status).toBe(401);
      expect(codeOf(r)).toBe('PUSH_TIMESTAMP_OUT_OF_WINDOW');
    });

    it('a repeated query parameter (msg_signature=a&msg_signature=b)', async () => {
      const p = signedPush(stack.component, ticketFields('t@@@repeat'));
      const r = await post({ ...p, query: `${p.query}&msg_signature=${'a'.repeat(40)}` });
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('PUSH_BAD_QUERY');
    });

    it('an envelope nested a few hundred levels deep, before any signature check', async () => {
      const p = signedPush(stack.component, ticketFields('t@@@deep'));
      const body = `<xml>${'<a>'.repeat(400)}x${'</a>'.repeat(400)}</xml>`;
      const r = await post({ query: p.query, body });
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('XML_TOO_DEEP');
    });

    it('validly signed content with a __proto__ element', async () => {
      const message =
        `<xml><AppId><![CDATA[${stack.component.appid}]]></AppId><CreateTime>${nowSec()}</CreateTime>` +
        '<InfoType>component_verify_ticket</InfoType><__proto__><polluted>1</polluted></__proto__>' +
        '<ComponentVerifyTicket>t@@@proto</ComponentVerifyTicket></xml>';
      const r = await post(signedMessage(stack.component, message));
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('XML_FORBIDDEN');
    });

    it('validly signed content with a CreateTime PostgreSQL cannot store', async () => {
      const r = await post(
        signedPush(stack.component, ticketFields('t@@@time', 99_999_999_999_999)),
      );
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('XML_BAD_FIELD');
    });

    it('validly signed content nested very deep', async () => {
      const message =
        `<xml><AppId>${stack.component.appid}</AppId><CreateTime>${nowSec()}</CreateTime>` +
        `<InfoType>notify_third_fasteregister</InfoType><info>${'<b>'.repeat(200)}x${'</b>'.repeat(200)}</info></xml>`;
      const r = await post(signedMessage(stack.component, message));
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('XML_TOO_DEEP');
    });

    it('a validly signed ticket push with an empty ticket: refused before it is logged', async () => {
      const before = await count('wechat_event_log');
      const r = await post(signedPush(stack.component, ticketFields('')));
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('XML_MISSING_FIELD');
      expect(await count('wechat_event_log')).toBe(before);
    });

    it('a validly signed push naming another component in its content', async () => {
      const r = await post(
        signedPush(stack.component, { ...ticketFields('t@@@other'), AppId: 'wx0000000000other' }),
      );
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe('PUSH_WRONG_COMPONENT');
    });
  });

  it('accepts a push inside the freshness window, and a replay of it is stored once', async () => {
    const p = signedPush(stack.component, ticketFields('t@@@fresh'), { timestamp: nowSec() - 200 });
    const before = await count('wechat_event_log');
    expect(await post(p)).toEqual({ status: 200, body: 'success' });
    expect(await post(p)).toEqual({ status: 200, body: 'success' });
    expect(await count('wechat_event_log')).toBe(before + 1);
  });

  it('labels push metrics from closed sets: junk appids and InfoTypes add no series', async () => {
    const series = async () =>
      (await (await fetch(`${stack.platform.url}/metrics`)).text())
        .split('\n')
        .filter((l) => l.startsWith('wechat_events_total{'));
    for (let i = 0; i < 25; i++) {
      const junk = signedPush(stack.component, ticketFields(`t@@@${i}`));
      await postPush(stack.platform.url, `wxjunk${i}`, junk);
      await post(
        signedPush(stack.component, {
          AppId: stack.component.appid,
          CreateTime: nowSec(),
          InfoType: `made_up_${i}`,
        }),
      );
    }
    const lines = await series();
    const labels = (name: string) =>
      new Set(lines.map((l) => new RegExp(`${name}="([^"]*)"`).exec(l)?.[1]));
    expect([...labels('component')].sort()).toEqual([stack.component.appid, 'unknown'].sort());
    for (const t of labels('info_type')) {
      expect(KNOWN_INFO_TYPES.has(t!) || t === 'other' || t === 'unknown').toBe(true);
    }
    expect(lines.length).toBeLessThan(20);
  });

  it('ignores an unauthorized push older than the re-authorization it would undo', async () => {
    await stack.sandbox.pushTicket(stack.component.appid);
    const account = await authorizeAccount(stack);
    const appid = stack.component.appid;
    await stack.sandbox.revoke(appid, account.appid);
    const accounts = stack.platform.get(AuthorizerService);
    await eventually(async () => (await accounts.get(appid, account.appid)).status === 'revoked');
    const revokedAt = (
      await db.query<{ t: Date }>(
        `SELECT create_time AS t FROM wechat_event_log WHERE info_type = 'unauthorized' AND authorizer_appid = $1`,
        [account.appid],
      )
    ).rows[0].t;
    // WeChat's CreateTime has whole seconds: re-authorize in a later second than the revocation.
    await new Promise((r) => setTimeout(r, 1100));
    await stack.sandbox.authorize(appid, account.appid);
    await eventually(async () => {
      const health = await accounts.tokenHealth(appid, account.appid);
      return (
        (await accounts.get(appid, account.appid)).status === 'authorized' && health?.hasAccessToken
      );
    });

    // The revocation, replayed (a new envelope around the same notice).
    const replay = signedPush(stack.component, {
      AppId: appid,
      CreateTime: Math.floor(revokedAt.getTime() / 1000),
      InfoType: 'unauthorized',
      AuthorizerAppid: account.appid,
    });
    expect(await post(replay)).toEqual({ status: 200, body: 'success' });

    expect((await accounts.get(appid, account.appid)).status).toBe('authorized');
    const health = await accounts.tokenHealth(appid, account.appid);
    expect(health).toMatchObject({ hasAccessToken: true, hasRefreshToken: true });
    // The replay is the revocation push again: the event log keeps it once; the account's
    // history says it was ignored, and why.
    const history = await accounts.history(appid, account.appid);
    expect(history[0]).toMatchObject({ action: 'push_ignored', cause: 'push:unauthorized' });
    expect(history[0].note).toMatch(/older .* than the last state change/);
  });

  it('records a new, older unauthorized push as ignored in the event log', async () => {
    const account = await authorizeAccount(stack);
    const replay = signedPush(stack.component, {
      AppId: stack.component.appid,
      CreateTime: nowSec() - 120,
      InfoType: 'unauthorized',
      AuthorizerAppid: account.appid,
    });
    expect(await post(replay)).toEqual({ status: 200, body: 'success' });
    const accounts = stack.platform.get(AuthorizerService);
    expect((await accounts.get(stack.component.appid, account.appid)).status).toBe('authorized');
    const logged = await db.query<{ disposition: string; note: string }>(
      `SELECT disposition, note FROM wechat_event_log
        WHERE info_type = 'unauthorized' AND authorizer_appid = $1`,
      [account.appid],
    );
    expect(logged.rows).toEqual([
      {
        disposition: 'ignored',
        note: expect.stringMatching(/older .* than the last state change/) as string,
      },
    ]);
  });

  it('answers 503 while the database is unreachable, and success again once it is back', async (ctx) => {
    if (stack.db.kind === 'embedded') ctx.skip();
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(stack.db.url).port || 5432));
    await proxy.start();
    const other = await stack.startInstance({
      schedulers: false,
      database: {
        url: proxy.wrap(stack.db.url),
        embeddedDir: '',
        poolSize: 4,
        runMigrations: false,
      },
    });
    try {
      await proxy.stop();
      const down = await postPush(
        other.url,
        stack.component.appid,
        signedPush(stack.component, ticketFields('t@@@outage')),
      );
      expect(down.status).toBe(503);
      expect(codeOf(down)).toBe('DATABASE_UNAVAILABLE');

      await proxy.start();
      const again = await postPush(
        other.url,
        stack.component.appid,
        signedPush(stack.component, ticketFields('t@@@back')),
      );
      expect(again).toEqual({ status: 200, body: 'success' });
    } finally {
      await other.stop();
      await proxy.stop();
    }
  });
});

describe('an envelope whose query is not WeChat-shaped', () => {
  it('is refused with PUSH_BAD_QUERY for each malformed parameter', async () => {
    const stack = await startStack({ initialTicket: false, platform: { schedulers: false } });
    try {
      const p = envelope(stack.component, 'QUJDRA==');
      for (const [name, value] of [
        ['timestamp', 'soon'],
        ['nonce', 'a b'],
        ['msg_signature', 'xyz'],
        ['signature', '1'],
      ]) {
        const q = new URLSearchParams(p.query);
        q.set(name, value);
        const r = await postPush(stack.platform.url, stack.component.appid, {
          query: q.toString(),
          body: p.body,
        });
        expect(r.status, name).toBe(400);
        expect(codeOf(r), name).toBe('PUSH_BAD_QUERY');
      }
    } finally {
      await stack.close();
    }
  });
});
