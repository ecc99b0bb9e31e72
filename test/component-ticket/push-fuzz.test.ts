import { createCipheriv } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWechatXml,
  decodeEncodingAesKey,
  msgSignature,
  plainSignature,
  VerifyTicketService,
  WechatMessageCrypto,
} from '@app/wechat-open';
import { postPush, signedMessage, SignedPush, signedPush } from '../support/push.js';
import { startStack, TestStack } from '../support/stack.js';

/** A small seeded PRNG: the same seed gives the same mutations, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const MUTATIONS = Number(process.env.FUZZ_MUTATIONS ?? 1500);
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Property: for many generated mutations of valid pushes (bit flips, wrong signatures, stale
 * timestamps, truncated and oversize bodies, DOCTYPE and entities, deep nesting, repeated
 * parameters, wrong appid, bad padding, length-field flips, replays, garbage), the event URL
 * answers no 5xx, accepts no forgery, stores no row for rejected input, and logs no plaintext.
 */
describe('event URL fuzz (property test)', () => {
  let stack: TestStack;
  let db: Client;
  const logs: string[] = [];
  const genuineTickets: string[] = [];
  const genuine: SignedPush[] = [];
  const rand = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const nowSec = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    stack = await startStack({
      initialTicket: false,
      platform: { schedulers: false, logLevel: 'debug' },
      logStream: { write: (line: string) => void logs.push(line) },
    });
    db = new Client(stack.db.url);
    await db.connect();
    for (let i = 0; i < 5; i++) {
      const ticket = `ticket@@@Fuzz${i}${Math.floor(rand() * 1e12).toString(36)}Secret`;
      genuineTickets.push(ticket);
      const push = signedPush(stack.component, {
        AppId: stack.component.appid,
        CreateTime: nowSec() + i,
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: ticket,
      });
      genuine.push(push);
      expect(await postPush(stack.platform.url, stack.component.appid, push)).toEqual({
        status: 200,
        body: 'success',
      });
    }
  });
  afterAll(async () => {
    await db.end();
    await stack.close();
  });

  const sign = (
    encrypt: string,
    timestamp = nowSec(),
    nonce = String(1e8 + Math.floor(rand() * 9e8)),
  ) => {
    const { token, appid } = stack.component;
    const ts = String(timestamp);
    const q = new URLSearchParams({
      signature: plainSignature(token, ts, nonce),
      timestamp: ts,
      nonce,
      encrypt_type: 'aes',
      msg_signature: msgSignature(token, ts, nonce, encrypt),
    });
    return { query: q.toString(), body: buildWechatXml({ AppId: appid, Encrypt: encrypt }) };
  };
  const encryptOf = (p: SignedPush) => /<Encrypt><!\[CDATA\[([^\]]*)\]\]>/.exec(p.body)![1];
  const rawEncrypt = (plain: Buffer) => {
    const key = decodeEncodingAesKey(stack.component.encodingAesKey);
    const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
    c.setAutoPadding(false);
    return Buffer.concat([c.update(plain), c.final()]).toString('base64');
  };
  const ticketMessage = (ticket: string) =>
    buildWechatXml({
      AppId: stack.component.appid,
      CreateTime: nowSec(),
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: ticket,
    });

  /** Each mutation: a name, the request, and whether the content could still be genuine. */
  const mutations: Record<string, () => SignedPush> = {
    bitFlipSigned: () => {
      const e = encryptOf(pick(genuine)).split('');
      const i = Math.floor(rand() * (e.length - 2));
      e[i] = pick(B64.split('').filter((c) => c !== e[i]));
      return sign(e.join(''));
    },
    bitFlipUnsigned: () => {
      const p = pick(genuine);
      const e = encryptOf(p);
      const i = Math.floor(rand() * (e.length - 2));
      return {
        query: p.query,
        body: p.body.replace(e, e.slice(0, i) + (e[i] === 'A' ? 'B' : 'A') + e.slice(i + 1)),
      };
    },
    wrongSignature: () => {
      const p = pick(genuine);
      const hex = Array.from(
        { length: 40 },
        () => '0123456789abcdef'[Math.floor(rand() * 16)],
      ).join('');
      return { ...p, query: p.query.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${hex}`) };
    },
    staleTimestamp: () => sign(encryptOf(pick(genuine)), nowSec() - 301 - Math.floor(rand() * 1e6)),
    futureTimestamp: () =>
      sign(encryptOf(pick(genuine)), nowSec() + 301 + Math.floor(rand() * 1e6)),
    truncated: () => {
      const p = pick(genuine);
      return { ...p, body: p.body.slice(0, Math.floor(rand() * p.body.length)) };
    },
    oversize: () => {
      const p = pick(genuine);
      return { ...p, body: p.body.replace('<xml>', `<xml><Pad>${'x'.repeat(70_000)}</Pad>`) };
    },
    doctype: () => {
      const p = pick(genuine);
      return {
        ...p,
        body: `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "${'a'.repeat(50)}"><!ENTITY b "&a;&a;&a;">]>${p.body.replace('<xml>', '<xml><X>&b;</X>')}`,
      };
    },
    entityInContent: () => {
      const enc = new WechatMessageCrypto({ ...stack.component }).encrypt(
        `<!DOCTYPE xml [<!ENTITY t SYSTEM "file:///etc/passwd">]>${ticketMessage('&t;')}`,
      );
      return sign(enc);
    },
    deepEnvelope: () => {
      const p = pick(genuine);
      const d = 50 + Math.floor(rand() * 2000);
      return { ...p, body: p.body.replace('<xml>', `<xml>${'<a>'.repeat(d)}${'</a>'.repeat(d)}`) };
    },
    deepContent: () => {
      const d = 20 + Math.floor(rand() * 500);
      return signedMessage(
        stack.component,
        ticketMessage('x').replace('</xml>', `${'<a>'.repeat(d)}${'</a>'.repeat(d)}</xml>`),
      );
    },
    repeatedParameter: () => {
      const p = pick(genuine);
      const name = pick(['msg_signature', 'timestamp', 'nonce', 'signature']);
      const value = new URLSearchParams(p.query).get(name)!;
      return { ...p, query: `${p.query}&${name}=${value}` };
    },
    wrongAppid: () => {
      const other = new WechatMessageCrypto({ ...stack.component, appid: 'wx00000000attacker' });
      return sign(other.encrypt(ticketMessage('ticket@@@forged-appid')));
    },
    badPadding: () => {
      const body = Buffer.from(ticketMessage('ticket@@@forged-padding'));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length);
      const plain = Buffer.concat([
        Buffer.alloc(16, 1),
        len,
        body,
        Buffer.from(stack.component.appid),
      ]);
      const n = 32 - (plain.length % 32);
      const bad = pick([0, 33, n + 1, 255]);
      const pad = Buffer.alloc(n, bad);
      pad[n - 1] = bad;
      return sign(rawEncrypt(Buffer.concat([plain, pad])));
    },
    lengthFlip: () => {
      const c = Buffer.from(encryptOf(pick(genuine)), 'base64');
      for (let i = 0; i < 4; i++) c[i] ^= Math.floor(rand() * 256);
      return sign(c.toString('base64'));
    },
    garbageQuery: () => {
      const p = pick(genuine);
      return {
        ...p,
        query: pick([
          '',
          'a=b',
          'timestamp=&nonce=&msg_signature=',
          '%zz=1',
          'timestamp[]=1&nonce[x]=2',
        ]),
      };
    },
    garbageBody: () => {
      const p = pick(genuine);
      return {
        ...p,
        body: pick([
          '',
          'success',
          '<xml>',
          '<xml></xml>',
          '<xml><Encrypt></Encrypt></xml>',
          '<xml><Encrypt>!!!</Encrypt></xml>',
          '\u0000\u0001',
          '<xml><Encrypt><![CDATA[QUJD]]></Encrypt><Encrypt>x</Encrypt></xml>',
        ]),
      };
    },
    wrongComponentPath: () => ({ ...pick(genuine) }),
    replay: () => pick(genuine),
  };

  it(`answers no 5xx, accepts no forgery and stores nothing for ${MUTATIONS} mutations (seed ${SEED})`, async () => {
    const rows = async () =>
      Number(
        (await db.query<{ n: string }>('SELECT count(*) AS n FROM wechat_event_log')).rows[0].n,
      );
    const rowsBefore = await rows();
    const names = Object.keys(mutations);
    const byStatus: Record<string, Record<number, number>> = {};
    const fivexx: string[] = [];
    const accepted: string[] = [];
    for (let i = 0; i < MUTATIONS; i++) {
      const name = names[i % names.length];
      const push = mutations[name]();
      const path = name === 'wrongComponentPath' ? 'wx00000000nobody00' : stack.component.appid;
      const r = await postPush(stack.platform.url, path, push);
      (byStatus[name] ??= {})[r.status] = (byStatus[name][r.status] ?? 0) + 1;
      if (r.status >= 500) fivexx.push(`${name}: ${r.status} ${r.body}`);
      if (r.status === 200 && name !== 'replay') {
        accepted.push(`${name}: ${r.body}`);
      }
    }
    process.stdout.write(`fuzz (seed ${SEED}) statuses by mutation: ${JSON.stringify(byStatus)}\n`);
    expect(fivexx).toEqual([]);
    expect(accepted).toEqual([]);
    // Replays are the genuine content again: deduplicated. Anything else would be a new row.
    expect(await rows()).toBe(rowsBefore);
    const ticket = await stack.platform.get(VerifyTicketService).current(stack.component.appid);
    expect(genuineTickets).toContain(ticket);
    const metricLines = (await (await fetch(`${stack.platform.url}/metrics`)).text())
      .split('\n')
      .filter((l) => l.startsWith('wechat_events_total{'));
    expect(metricLines.length).toBeLessThan(30);
    const logText = logs.join('');
    for (const t of genuineTickets) expect(logText).not.toContain(t.slice(9, 20));
    expect(logText).not.toContain('forged-');
  });
});
