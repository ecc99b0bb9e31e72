import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWechatXml,
  msgSignature,
  OnWechatMessage,
  plainSignature,
  WechatMessageCrypto,
} from '@app/wechat-open';
import { authorizeAccount } from '../support/accounts.js';
import { startStack, TestStack } from '../support/stack.js';
import { MessagePush, messagePush, postMessage, textMessage } from './message-push.js';

/** Seeded: the same seed gives the same mutations (FUZZ_SEED to replay one). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6b43a9b5) >>> 0;
    s = (s ^ (s >>> 13)) >>> 0;
    return s / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const MUTATIONS = Number(process.env.FUZZ_MUTATIONS ?? 400);
const MARKER = 'plaintext-marker-7d1e';
let handled = 0;

@Injectable()
class CountingHandler {
  @OnWechatMessage()
  count(): void {
    handled++;
  }
}

@Module({ providers: [CountingHandler] })
class CountingModule {}

/**
 * Property: mutations of a genuine message (query values, repeated or missing parameters, one
 * character of the body, truncation, DOCTYPE, deep nesting, missing fields, another account,
 * another receive id) are refused with a 4xx, never a 5xx; none runs a handler or stores a
 * claim; nothing decrypted reaches the logs.
 */
describe('message URL fuzz (property test)', () => {
  let stack: TestStack;
  let account: { appid: string; userName: string };
  const logs: string[] = [];
  const rand = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

  beforeAll(async () => {
    stack = await startStack({
      imports: [CountingModule],
      platform: { logLevel: 'debug' },
      logStream: { write: (line: string) => void logs.push(line) },
    });
    account = await authorizeAccount(stack);
  }, 60_000);
  afterAll(() => stack?.close());

  /** A push of arbitrary inner XML, encrypted (for `appid`) and signed correctly. */
  const sealed = (inner: string, appid = stack.component.appid): MessagePush => {
    const crypto = new WechatMessageCrypto({
      token: stack.component.token,
      encodingAesKey: stack.component.encodingAesKey,
      appid,
    });
    const encrypt = crypto.encrypt(inner);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(100000 + Math.floor(rand() * 900000));
    const token = stack.component.token;
    return {
      query: new URLSearchParams({
        signature: plainSignature(token, timestamp, nonce),
        timestamp,
        nonce,
        openid: 'o_fuzz',
        encrypt_type: 'aes',
        msg_signature: msgSignature(token, timestamp, nonce, encrypt),
      }),
      body: buildWechatXml({ ToUserName: account.userName, Encrypt: encrypt }),
    };
  };

  /** Whether the last body mutation changed a character of the signed ciphertext. */
  let touchedCiphertext = true;

  const genuine = () =>
    messagePush(stack.component, textMessage(account.userName, 'o_fuzz', MARKER));

  const mutations: Record<string, () => MessagePush> = {
    queryValue: () => {
      const p = genuine();
      const name = pick(['timestamp', 'nonce', 'msg_signature', 'signature', 'encrypt_type']);
      const value = p.query.get(name)!;
      const i = Math.floor(rand() * value.length);
      const c = pick([...'0123456789abcdefXYZ_-!%']);
      p.query.set(name, value.slice(0, i) + (value[i] === c ? '~' : c) + value.slice(i + 1));
      return p;
    },
    repeated: () => {
      const p = genuine();
      const name = pick(['timestamp', 'nonce', 'msg_signature', 'signature', 'openid']);
      p.query.append(name, p.query.get(name)!);
      return p;
    },
    missing: () => {
      const p = genuine();
      p.query.delete(pick(['timestamp', 'nonce', 'msg_signature']));
      return p;
    },
    bodyChar: () => {
      const p = genuine();
      const i = Math.floor(rand() * p.body.length);
      const start = p.body.indexOf('<Encrypt><![CDATA[') + '<Encrypt><![CDATA['.length;
      touchedCiphertext = i >= start && i < p.body.indexOf(']]></Encrypt>');
      const c = pick([...'<>/![]"\'&=Aa0+']);
      return { ...p, body: p.body.slice(0, i) + (p.body[i] === c ? '#' : c) + p.body.slice(i + 1) };
    },
    truncated: () => {
      const p = genuine();
      return { ...p, body: p.body.slice(0, Math.floor(rand() * (p.body.length - 1))) };
    },
    doctype: () => {
      const p = genuine();
      return { ...p, body: `<!DOCTYPE xml [<!ENTITY x "${MARKER}">]>${p.body}` };
    },
    deep: () => sealed(`<xml>${'<a>'.repeat(40)}${MARKER}${'</a>'.repeat(40)}</xml>`),
    missingField: () => {
      const fields: Record<string, string | number> = textMessage(account.userName, 'o_f', MARKER);
      delete fields[pick(['ToUserName', 'FromUserName', 'MsgType', 'CreateTime'])];
      return sealed(buildWechatXml(fields));
    },
    otherAccount: () => sealed(buildWechatXml(textMessage('gh_someone_else', 'o_f', MARKER))),
    otherReceiver: () =>
      sealed(buildWechatXml(textMessage(account.userName, 'o_f', MARKER)), 'wxanothercomponent'),
    notXml: () => sealed(`${MARKER} is not XML`),
  };

  it(`refuses ${MUTATIONS} mutations with a 4xx, handling and storing nothing`, async () => {
    const kinds = Object.keys(mutations);
    const seen = new Map<string, number>();
    let accepted = 0;
    for (let i = 0; i < MUTATIONS; i++) {
      const kind = kinds[i % kinds.length];
      touchedCiphertext = true;
      const push = mutations[kind]();
      const res = await postMessage(stack.platform.url, stack.component.appid, account.appid, push);
      const label = `${kind} #${i} (seed ${SEED})`;
      expect(res.status, label).toBeLessThan(500);
      if (res.status < 400) {
        // Only a mangled unsigned envelope around the genuine, untouched ciphertext may pass
        // (the XML parser reads some broken markup leniently): it is the genuine message.
        expect(kind, label).toBe('bodyChar');
        expect(touchedCiphertext, label).toBe(false);
        accepted++;
      }
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
    }
    expect(seen.size).toBe(kinds.length);
    expect(accepted).toBeLessThan(MUTATIONS / 20);
    expect(handled).toBe(accepted);
    const [{ n }] = await stack.platform
      .get(DataSource)
      .query<{ n: string }[]>('SELECT count(*) AS n FROM wechat_message_dedupe');
    expect(Number(n)).toBe(accepted);
    // The genuine message is accepted (the property is not vacuous), once.
    const ok = await postMessage(
      stack.platform.url,
      stack.component.appid,
      account.appid,
      genuine(),
    );
    expect([ok.status, ok.body]).toEqual([200, 'success']);
    expect(handled).toBe(accepted + 1);
    expect(logs.join('\n')).not.toContain(MARKER);
  }, 120_000);
});
