import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizerEvents,
  AuthorizerRecord,
  AuthorizerRefreshScheduler,
  AuthorizerSearch,
  AuthorizerService,
  AuthorizerTokenService,
  ComponentEventService,
  JsApiService,
} from '@app/wechat-open';
import { authorizeAccount, newAccount } from '../support/accounts.js';
import { postPush, signedPush } from '../support/push.js';
import { eventually, newComponent, startStack, TestStack } from '../support/stack.js';

/** A component the sandbox does not know: its accounts are rows written here, its pushes signed here. */
const other = newComponent();

/** The code a promise rejects with. */
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );

describe('admin reads and actions on authorized accounts', () => {
  let stack: TestStack;
  let db: Client;
  let accounts: AuthorizerService;

  beforeAll(async () => {
    stack = await startStack({ extraComponents: [other] });
    db = new Client(stack.db.url);
    await db.connect();
    accounts = stack.platform.get(AuthorizerService);
  });
  afterAll(async () => {
    await db?.end();
    await stack?.close();
  });

  describe('search', () => {
    /** Rows of the other component: [appid, tenant, status, kind, nick, principal, funcInfo, authorizedAt, updatedAt]. */
    const rows: [
      string,
      string | null,
      string,
      string,
      string | null,
      string | null,
      number[],
      string | null,
      string,
    ][] = [];
    const all = (q: AuthorizerSearch) => accounts.search({ componentAppid: other.appid, ...q });
    const appids = (items: AuthorizerRecord[]) => items.map((r) => r.authorizerAppid);

    beforeAll(async () => {
      const statuses = ['authorized', 'authorized', 'revoked', 'needs_reauth', 'detached'];
      for (let i = 0; i < 41; i++) {
        rows.push([
          `wxs${String(i).padStart(2, '0')}${randomBytes(3).toString('hex')}`,
          i % 3 === 0 ? 't-alpha' : i % 3 === 1 ? 't-beta' : null,
          statuses[i % 5],
          i % 4 === 0 ? 'mini_program' : 'official_account',
          // Some without a profile yet; some sharing a nick name (the key breaks the tie).
          i % 7 === 0 ? null : `Nick ${String(i % 13).padStart(2, '0')}`,
          `Principal ${i}`,
          i % 2 === 0 ? [1, 15] : [2],
          // Shared times, times a microsecond apart (a JS Date cannot tell them), and NULLs.
          i % 9 === 0 ? null : `2024-03-0${1 + (i % 4)} 10:00:00.12345${i % 3}+00`,
          `2024-04-01 00:00:${String(i % 5).padStart(2, '0')}.00000${i % 2}+00`,
        ]);
      }
      rows.push(
        [
          'wxtextpct',
          't-text',
          'authorized',
          'official_account',
          'Shop 100% Real',
          'Text A',
          [],
          null,
          '2024-01-01T00:00:00Z',
        ],
        [
          'wxtextnum',
          't-text',
          'authorized',
          'official_account',
          'Shop 1000 Real',
          'Text B',
          [],
          null,
          '2024-01-01T00:00:00Z',
        ],
        [
          'wxtextund',
          't-text',
          'authorized',
          'official_account',
          'under_score cafe',
          'Text C',
          [],
          null,
          '2024-01-01T00:00:00Z',
        ],
        [
          'wxtextxxx',
          't-text',
          'authorized',
          'official_account',
          'underXscore cafe',
          'Text D',
          [],
          null,
          '2024-01-01T00:00:00Z',
        ],
        [
          'wxtextprn',
          't-text',
          'authorized',
          'official_account',
          'Plain',
          'ACME Holdings',
          [],
          null,
          '2024-01-01T00:00:00Z',
        ],
      );
      for (const r of rows) {
        await db.query(
          `INSERT INTO authorizer (component_appid, authorizer_appid, tenant_id, status, account_kind, nick_name,
                                   principal_name, func_info, authorized_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [other.appid, ...r],
        );
      }
    });

    it('filters by tenant, component, statuses, kind and permission set, and counts every match', async () => {
      const expectMatch = async (
        q: AuthorizerSearch,
        keep: (r: (typeof rows)[number]) => boolean,
      ) => {
        const page = await all({ ...q, limit: 200 });
        const expected = rows.filter(keep).map((r) => r[0]);
        expect(appids(page.items).sort(), JSON.stringify(q)).toEqual(expected.sort());
        expect(page.total).toBe(expected.length);
        expect(page.nextCursor).toBeNull();
      };
      await expectMatch({}, () => true);
      await expectMatch({ tenantId: 't-alpha' }, (r) => r[1] === 't-alpha');
      await expectMatch({ statuses: ['revoked', 'detached'] }, (r) =>
        ['revoked', 'detached'].includes(r[2]),
      );
      await expectMatch({ accountKind: 'mini_program' }, (r) => r[3] === 'mini_program');
      await expectMatch({ permissionSetId: 15 }, (r) => r[6].includes(15));
      await expectMatch(
        { tenantId: 't-beta', statuses: ['authorized'], permissionSetId: 2 },
        (r) => r[1] === 't-beta' && r[2] === 'authorized' && r[6].includes(2),
      );
      // Without componentAppid, a tenant's accounts of every component: here, only ours.
      const tenant = await accounts.search({ tenantId: 't-text' });
      expect(tenant.total).toBe(5);
      // The stack's own component holds none of these rows.
      expect(
        (await accounts.search({ componentAppid: stack.component.appid, tenantId: 't-alpha' }))
          .total,
      ).toBe(0);
    });

    it('finds text in the nick name, principal name or appid, case-insensitively, % and _ literal', async () => {
      const found = async (text: string) => appids((await all({ text, limit: 200 })).items).sort();
      expect(await found('100%')).toEqual(['wxtextpct']);
      expect(await found('%')).toEqual(['wxtextpct']);
      expect(await found('under_')).toEqual(['wxtextund']);
      expect(await found('_')).toEqual(['wxtextund']);
      expect(await found('shop 1')).toEqual(['wxtextnum', 'wxtextpct']);
      expect(await found('acme hold')).toEqual(['wxtextprn']);
      expect(await found('WXTEXTX')).toEqual(['wxtextxxx']);
      expect(await found('\\')).toEqual([]);
      expect((await all({ text: 'cafe' })).total).toBe(2);
    });

    it('sorts both ways, NULLs last ascending and first descending, ties broken by the appids', async () => {
      const time = (s: string | null) => (s === null ? null : new Date(s).getTime());
      for (const order of ['asc', 'desc'] as const) {
        const { items } = await all({
          tenantId: 't-alpha',
          sort: 'authorizedAt',
          order,
          limit: 200,
        });
        const keys = items.map(
          (r) => [time(r.authorizedAt?.toISOString() ?? null), r.authorizerAppid] as const,
        );
        const sign = order === 'asc' ? 1 : -1;
        for (let i = 1; i < keys.length; i++) {
          const [a, b] = [keys[i - 1], keys[i]];
          // NULL is above every value: last ascending, first descending.
          const cmp =
            a[0] === b[0]
              ? a[1].localeCompare(b[1])
              : a[0] === null
                ? 1
                : b[0] === null
                  ? -1
                  : a[0] - b[0];
          expect(sign * cmp, `${order}: ${JSON.stringify([a, b])}`).toBeLessThanOrEqual(0);
        }
        const nulls = items.filter((r) => r.authorizedAt === null).length;
        expect(nulls).toBeGreaterThan(0);
        const at = order === 'asc' ? items.slice(-nulls) : items.slice(0, nulls);
        expect(at.every((r) => r.authorizedAt === null)).toBe(true);
      }
      const asc = await all({ sort: 'nickName', order: 'asc', limit: 200 });
      const desc = await all({ sort: 'nickName', order: 'desc', limit: 200 });
      expect(appids(desc.items)).toEqual(appids(asc.items).reverse());
      expect(asc.items.at(-1)!.nickName).toBeNull();
      expect(desc.items[0].nickName).toBeNull();
    });

    it('pages through every match once, for each sort and order, NULLs and microsecond ties included', async () => {
      for (const sort of ['authorizedAt', 'updatedAt', 'nickName'] as const) {
        for (const order of ['asc', 'desc'] as const) {
          const whole = await all({ sort, order, limit: 200 });
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await all({ sort, order, limit: 4, cursor });
            expect(page.total).toBe(whole.total);
            expect(page.items.length).toBeLessThanOrEqual(4);
            seen.push(...appids(page.items));
            cursor = page.nextCursor ?? undefined;
            pages++;
          } while (cursor && pages < 100);
          expect(seen, `${sort} ${order}`).toEqual(appids(whole.items));
          expect(new Set(seen).size).toBe(rows.length);
          expect(pages).toBe(Math.ceil(rows.length / 4));
        }
      }
      // The default is authorizedAt, newest first.
      expect(appids((await all({ limit: 200 })).items)).toEqual(
        appids((await all({ sort: 'authorizedAt', order: 'desc', limit: 200 })).items),
      );
    });

    it('refuses a malformed cursor, or one made for another sort or order, with INVALID_CURSOR', async () => {
      const first = await all({ sort: 'nickName', order: 'asc', limit: 3 });
      const cursor = first.nextCursor!;
      expect(cursor).toBeTruthy();
      expect(await codeOf(all({ sort: 'nickName', order: 'desc', cursor }))).toBe('INVALID_CURSOR');
      expect(await codeOf(all({ sort: 'updatedAt', order: 'asc', cursor }))).toBe('INVALID_CURSOR');
      expect(await codeOf(all({ cursor: 'garbage!' }))).toBe('INVALID_CURSOR');
      expect(await codeOf(all({ cursor: Buffer.from('[1]').toString('base64url') }))).toBe(
        'INVALID_CURSOR',
      );
      expect(await codeOf(all({ limit: 500 }))).toBe('INVALID_QUERY');
      // The same cursor with other filters is still a position: it pages on from there.
      const next = await all({ sort: 'nickName', order: 'asc', limit: 3, cursor });
      expect(appids(next.items)).not.toContain(first.items[0].authorizerAppid);
    });
  });

  it('shows the refresh log of an account, newest first, with no token in it', async () => {
    const oa = await authorizeAccount(stack);
    const sweep = () => stack.platform.get(AuthorizerRefreshScheduler).sweep();
    const due = () =>
      db.query(`UPDATE authorizer_token SET next_refresh_at = now() WHERE authorizer_appid = $1`, [
        oa.appid,
      ]);
    await due();
    await sweep();
    await eventually(
      async () => (await accounts.refreshLog(stack.component.appid, oa.appid)).length === 1,
    );
    await stack.sandbox.fault({
      endpoint: 'api_authorizer_token',
      errcode: 45009,
      appids: [oa.appid],
      count: 1,
    });
    await due();
    await sweep();
    const log = await eventually(async () => {
      const l = await accounts.refreshLog(stack.component.appid, oa.appid);
      return l.length === 2 && l;
    });
    expect(log.map((l) => [l.trigger, l.result, l.errcode])).toEqual([
      ['schedule', 'quota', 45009],
      ['schedule', 'ok', null],
    ]);
    for (const entry of log) {
      expect(Object.keys(entry).sort()).toEqual([
        'at',
        'durationMs',
        'errcode',
        'instance',
        'result',
        'trigger',
      ]);
      expect(entry.instance).toBe('test-1');
      expect(entry.at).toBeInstanceOf(Date);
    }
    expect(log[0].at.getTime()).toBeGreaterThanOrEqual(log[1].at.getTime());
    expect(await accounts.refreshLog(stack.component.appid, oa.appid, 1)).toHaveLength(1);
    expect(await accounts.refreshLog(other.appid, oa.appid)).toEqual([]);
    expect(await codeOf(accounts.refreshLog(stack.component.appid, oa.appid, 0))).toBe(
      'INVALID_QUERY',
    );
  });

  describe('authorization events and replay', () => {
    let appid: string;
    let authCode: string;

    beforeAll(async () => {
      const account = newAccount();
      appid = account.appid;
      await stack.sandbox.addAccount(account);
      authCode = (await stack.sandbox.authorize(stack.component.appid, appid, [1, 2])).authCode;
      await eventually(
        async () => (await accounts.tokenHealth(stack.component.appid, appid))?.hasAccessToken,
      );
      await stack.sandbox.update(stack.component.appid, appid, [1, 2, 7]);
      await eventually(
        async () => (await accounts.get(stack.component.appid, appid)).funcInfo.length === 3,
      );
      await stack.sandbox.revoke(stack.component.appid, appid);
      await eventually(
        async () => (await accounts.get(stack.component.appid, appid)).status === 'revoked',
      );
    });

    it('lists the pushes about the account, newest first, without their content', async () => {
      const events = await accounts.authorizationEvents(stack.component.appid, appid);
      expect(events.map((e) => [e.infoType, e.disposition, e.note])).toEqual([
        ['unauthorized', 'applied', null],
        ['updateauthorized', 'applied', null],
        ['authorized', 'applied', null],
      ]);
      for (const e of events) {
        expect(Object.keys(e).sort()).toEqual([
          'createTime',
          'disposition',
          'id',
          'infoType',
          'note',
          'receivedAt',
        ]);
        expect(e.id).toMatch(/^[0-9]+$/);
        expect(e.createTime).toBeInstanceOf(Date);
      }
      expect(JSON.stringify(events)).not.toContain(authCode);
      expect(await accounts.authorizationEvents(stack.component.appid, appid, 1)).toHaveLength(1);
      expect(await accounts.authorizationEvents(other.appid, appid)).toEqual([]);
    });

    it('replays an unauthorized push: a no-op while revoked, ignored once the account authorized again', async () => {
      const events = stack.platform.get(ComponentEventService);
      const [unauthorized] = await accounts.authorizationEvents(stack.component.appid, appid);
      await expect(events.replay(stack.component.appid, unauthorized.id)).resolves.toEqual({
        infoType: 'unauthorized',
        disposition: 'applied',
        note: null,
      });
      const historyBefore = await accounts.history(stack.component.appid, appid);
      expect(historyBefore[0].action).toBe('revoked');

      // Authorized again (a later CreateTime): the old revocation must not undo it.
      await new Promise((r) => setTimeout(r, 1100));
      await stack.sandbox.authorize(stack.component.appid, appid);
      await eventually(
        async () => (await accounts.get(stack.component.appid, appid)).status === 'authorized',
      );
      const replayed = await events.replay(stack.component.appid, unauthorized.id);
      expect(replayed).toMatchObject({ infoType: 'unauthorized', disposition: 'ignored' });
      expect(replayed.note).toMatch(/older/);
      expect((await accounts.get(stack.component.appid, appid)).status).toBe('authorized');
      expect((await accounts.history(stack.component.appid, appid))[0]).toMatchObject({
        action: 'push_ignored',
        cause: 'push:unauthorized',
      });
    });

    it('refuses to replay a push whose credential the log never kept, and unknown or foreign ids', async () => {
      const events = stack.platform.get(ComponentEventService);
      const list = await accounts.authorizationEvents(stack.component.appid, appid);
      const authorized = list.find((e) => e.infoType === 'authorized')!;
      await expect(events.replay(stack.component.appid, authorized.id)).rejects.toMatchObject({
        code: 'EVENT_NOT_REPLAYABLE',
        meta: { infoType: 'authorized' },
      });
      const updated = list.find((e) => e.infoType === 'updateauthorized')!;
      expect(await codeOf(events.replay(stack.component.appid, updated.id))).toBe(
        'EVENT_NOT_REPLAYABLE',
      );
      const ticket = await db.query<{ id: string }>(
        `SELECT id FROM wechat_event_log WHERE component_appid = $1 AND info_type = 'component_verify_ticket' LIMIT 1`,
        [stack.component.appid],
      );
      expect(await codeOf(events.replay(stack.component.appid, ticket.rows[0].id))).toBe(
        'EVENT_NOT_REPLAYABLE',
      );

      for (const id of ['999999999999', 'abc', '-1', '0', '99999999999999999999', ''])
        expect(await codeOf(events.replay(stack.component.appid, id)), id).toBe('EVENT_NOT_FOUND');
      // Another component's event, by its id.
      expect(await codeOf(events.replay(other.appid, authorized.id))).toBe('EVENT_NOT_FOUND');
    });

    it('replays a push no module handles as ignored, for its own component only', async () => {
      const push = signedPush(other, {
        AppId: other.appid,
        CreateTime: String(Math.floor(Date.now() / 1000)),
        // An InfoType no module of the library applies (a fast registration now is one).
        InfoType: 'wxa_nickname_audit',
        AuthorizerAppid: 'wxnicknamed',
        ret: '3',
      });
      expect((await postPush(stack.platform.url, other.appid, push)).body).toBe('success');
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM wechat_event_log WHERE component_appid = $1 AND info_type = 'wxa_nickname_audit'`,
        [other.appid],
      );
      const events = stack.platform.get(ComponentEventService);
      await expect(events.replay(other.appid, rows[0].id)).resolves.toEqual({
        infoType: 'wxa_nickname_audit',
        disposition: 'ignored',
        note: 'no handler for this InfoType',
      });
      expect(await codeOf(events.replay(stack.component.appid, rows[0].id))).toBe(
        'EVENT_NOT_FOUND',
      );
    });
  });

  describe('detach', () => {
    it('erases the tokens and tickets, stops refreshing and profile runs, keeps tenant and history', async () => {
      const oa = await authorizeAccount(stack);
      const c = stack.component.appid;
      await db.query(`UPDATE authorizer SET tenant_id = 't-detach' WHERE authorizer_appid = $1`, [
        oa.appid,
      ]);
      await stack.platform.get(JsApiService).getTicket(oa.appid);
      const tickets = async () =>
        (await db.query('SELECT 1 FROM jsapi_ticket WHERE authorizer_appid = $1', [oa.appid]))
          .rowCount;
      expect(await tickets()).toBe(1);
      const announced: string[] = [];
      stack.platform.get(AuthorizerEvents).on('revoked', (e) => {
        if (e.record.authorizerAppid === oa.appid) announced.push(e.record.status);
      });

      const record = await accounts.detach(c, oa.appid, 'api');
      expect(record).toMatchObject({
        status: 'detached',
        tenantId: 't-detach',
        authorizerAppid: oa.appid,
      });
      expect(await accounts.get(c, oa.appid)).toMatchObject({
        status: 'detached',
        tenantId: 't-detach',
      });
      const { rows } = await db.query(
        `SELECT access_token_ciphertext, refresh_token_ciphertext, next_refresh_at, expires_at
           FROM authorizer_token WHERE authorizer_appid = $1`,
        [oa.appid],
      );
      expect(rows).toEqual([
        {
          access_token_ciphertext: null,
          refresh_token_ciphertext: null,
          next_refresh_at: null,
          expires_at: null,
        },
      ]);
      await eventually(async () => (await tickets()) === 0);
      expect(announced).toEqual(['detached']);
      const history = await accounts.history(c, oa.appid);
      expect(history[0]).toMatchObject({
        action: 'detached',
        cause: 'api',
        tenantId: 't-detach',
        changes: { status: { from: 'authorized', to: 'detached' } },
      });
      expect((await accounts.tokenHealth(c, oa.appid))?.hasRefreshToken).toBe(false);

      // Twice: the same record, nothing appended.
      expect(await accounts.detach(c, oa.appid, 'api')).toEqual(await accounts.get(c, oa.appid));
      expect(await accounts.history(c, oa.appid)).toHaveLength(history.length);

      // Token reads say why (the locator, when the component is not named).
      const tokens = stack.platform.get(AuthorizerTokenService);
      expect(await codeOf(tokens.getAuthorizerAccessToken(oa.appid))).toBe('AUTHORIZER_DETACHED');

      // Neither the sweep nor the profile run touch it.
      await stack.sandbox.resetCounters();
      await db.query(
        `UPDATE authorizer SET profile_refreshed_at = '2000-01-01' WHERE authorizer_appid = $1`,
        [oa.appid],
      );
      await stack.platform.get(AuthorizerRefreshScheduler).sweep();
      await accounts.refreshStaleProfiles(1000);
      const counters = await stack.sandbox.counters();
      expect(counters.callsByAccount.api_authorizer_token?.[oa.appid] ?? 0).toBe(0);
      expect(counters.callsByAccount.api_get_authorizer_info?.[oa.appid] ?? 0).toBe(0);
      expect((await accounts.get(c, oa.appid)).profileRefreshedAt?.toISOString()).toBe(
        new Date('2000-01-01').toISOString(),
      );

      // The owner authorizes again with the same permissions: WeChat pushes nothing, and the
      // landing redirect's code (redeemed as the landing does) re-activates the account.
      const again = await stack.sandbox.authorize(c, oa.appid);
      expect((again as { infoType?: string | null }).infoType).toBeNull();
      await accounts.redeem(c, again.authCode, { cause: 'landing' });
      expect(await accounts.get(c, oa.appid)).toMatchObject({
        status: 'authorized',
        tenantId: 't-detach',
      });
      expect((await accounts.history(c, oa.appid))[0]).toMatchObject({
        action: 'reauthorized',
        cause: 'landing',
      });
      await expect(tokens.getAuthorizerAccessToken(oa.appid)).resolves.toBeTruthy();
    });

    it('is not brought back by the authorizer list sync, only by a new authorization', async () => {
      const oa = await authorizeAccount(stack);
      const c = stack.component.appid;
      await db.query(`UPDATE authorizer SET tenant_id = 't-back' WHERE authorizer_appid = $1`, [
        oa.appid,
      ]);
      await accounts.detach(c, oa.appid, 'api');

      // WeChat still lists it (the owner never unauthorized us): no token is taken from the list.
      await accounts.syncAuthorizerList(c);
      expect((await accounts.get(c, oa.appid)).status).toBe('detached');
      expect((await accounts.tokenHealth(c, oa.appid))?.hasRefreshToken).toBe(false);
      expect(await accounts.recoverRefreshToken(c, oa.appid)).toBeNull();
      expect((await accounts.history(c, oa.appid))[0].action).toBe('detached');

      // The owner authorizes again. WeChat still counts the account as authorized: with other
      // permissions it pushes updateauthorized, which re-activates it, tokens and tenant back.
      await new Promise((r) => setTimeout(r, 1100));
      const again = await stack.sandbox.authorize(c, oa.appid, [1, 2]);
      expect(again).toMatchObject({ infoType: 'updateauthorized', pushed: true });
      await eventually(async () => (await accounts.tokenHealth(c, oa.appid))?.hasAccessToken);
      expect(await accounts.get(c, oa.appid)).toMatchObject({
        status: 'authorized',
        tenantId: 't-back',
        funcInfo: [1, 2],
      });
      expect((await accounts.history(c, oa.appid))[0]).toMatchObject({
        action: 'reauthorized',
        cause: 'push:updateauthorized',
      });
      await expect(
        stack.platform.get(AuthorizerTokenService).getAuthorizerAccessToken(oa.appid),
      ).resolves.toBeTruthy();
      // And the sweep refreshes it again.
      await db.query(
        `UPDATE authorizer_token SET next_refresh_at = now() WHERE authorizer_appid = $1`,
        [oa.appid],
      );
      await stack.platform.get(AuthorizerRefreshScheduler).sweep();
      await eventually(async () =>
        (await accounts.refreshLog(c, oa.appid)).some((e) => e.result === 'ok'),
      );
    });

    it('refuses a token read that names the component with AUTHORIZER_DETACHED', async () => {
      const oa = await authorizeAccount(stack);
      await accounts.detach(stack.component.appid, oa.appid, 'api');
      const tokens = stack.platform.get(AuthorizerTokenService);
      expect(await codeOf(tokens.getAuthorizerAccessToken(oa.appid, stack.component.appid))).toBe(
        'AUTHORIZER_DETACHED',
      );
    });

    it('refuses an unknown account with AUTHORIZER_NOT_FOUND', async () => {
      expect(await codeOf(accounts.detach(stack.component.appid, 'wxnosuchaccount', 'api'))).toBe(
        'AUTHORIZER_NOT_FOUND',
      );
    });
  });
});
