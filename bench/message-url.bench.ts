import { Injectable, Module } from '@nestjs/common';
import Fastify from 'fastify';
import {
  buildPassiveReplyXml,
  OnWechatMessage,
  parseWechatXml,
  WechatMessageContext,
  WechatMessageCrypto,
  WechatReply,
} from '@app/wechat-open';
import { messagePush, postMessage, textMessage } from '../test/messages/message-push.js';
import { authorizeAccount } from '../test/support/accounts.js';
import { freePort, startStack } from '../test/support/stack.js';
import { line } from './bench-util.js';
import { startSandboxProcess } from './sandbox-process.js';
import { PushLoadJob, PushRound, pushLoad, summarize, writeResult } from './support/push-load.js';

const ROUND_SEC = 5;
const WARMUP_SEC = 2;
const ROUNDS = 3;
const CONNECTIONS = 50;
/** Distinct pushes per round: more than any round here sends (checked: `wrapped`). */
const POOL = 60_000;
const REPLY_TEXT = 'bench reply';

/** The host's handler: answers `reply` with a passive text reply, leaves the rest (`success`). */
@Injectable()
class BenchHandlers {
  @OnWechatMessage({ msgType: 'TEXT' })
  onText(ctx: WechatMessageContext): WechatReply | undefined {
    return ctx.fields.Content === 'reply' ? { type: 'text', content: REPLY_TEXT } : undefined;
  }
}

@Module({ providers: [BenchHandlers] })
class BenchHandlersModule {}

/**
 * The message URL with an encrypted passive reply through the whole platform (guard, verify,
 * decrypt, parse, dedupe, handler, reply, encrypt, sign, metrics) against a bare Fastify route in
 * this process doing only the XML and crypto work (the ceiling); also the bare `success` route (a
 * message no handler answers) and the duplicate path (one MsgId repeated). Load from autocannon in
 * a process of its own, 50 connections, interleaved rounds of 5 s.
 */
export async function benchMessageUrl(): Promise<Record<string, number>> {
  const sandbox = await startSandboxProcess();
  const stack = await startStack({
    sandboxUrl: sandbox.url,
    imports: [BenchHandlersModule],
    platform: { schedulers: false },
  });
  const ceiling = await startCeiling(stack.component);
  try {
    const account = await authorizeAccount(stack);
    // The routes answer as the bench assumes: an encrypted reply, and `success`.
    for (const [content, expect] of [
      ['reply', '<Encrypt>'],
      ['pass', 'success'],
    ] as const) {
      const push = messagePush(stack.component, textMessage(account.userName, 'o_check', content));
      for (const url of [stack.platform.url, ceiling.url]) {
        if (url === ceiling.url && content === 'pass') continue;
        const res = await postMessage(url, stack.component.appid, account.appid, push);
        if (res.status !== 200 || !res.body.includes(expect))
          throw new Error(`${url}: ${content} answered HTTP ${res.status}, not ${expect}`);
      }
    }
    const base: Omit<PushLoadJob, 'url' | 'seconds'> = {
      kind: 'message',
      component: {
        appid: stack.component.appid,
        token: stack.component.token,
        encodingAesKey: stack.component.encodingAesKey,
      },
      account: { appid: account.appid, userName: account.userName },
      connections: CONNECTIONS,
      pool: POOL,
    };
    const routes = {
      ceiling: { ...base, url: ceiling.url, content: 'reply' },
      reply: { ...base, url: stack.platform.url, content: 'reply' },
      success: { ...base, url: stack.platform.url, content: 'pass' },
      duplicate: { ...base, url: stack.platform.url, content: 'reply', repeatOne: true },
    } satisfies Record<string, Omit<PushLoadJob, 'seconds'>>;
    type Route = keyof typeof routes;
    const names = Object.keys(routes) as Route[];
    for (const name of names) await pushLoad({ ...routes[name], seconds: WARMUP_SEC });
    const results = Object.fromEntries(names.map((n) => [n, [] as PushRound[]])) as Record<
      Route,
      PushRound[]
    >;
    for (let i = 0; i < ROUNDS; i++) {
      for (const name of names) {
        const round = await pushLoad({ ...routes[name], seconds: ROUND_SEC });
        // The ceiling has no dedupe: a pool that wrapped around costs it nothing.
        results[name].push(name === 'ceiling' ? { ...round, wrapped: 0 } : round);
      }
    }
    const s = Object.fromEntries(names.map((n) => [n, summarize(results[n])])) as Record<
      Route,
      ReturnType<typeof summarize>
    >;
    const ratio = s.reply.rps / s.ceiling.rps;
    process.stdout.write(
      `message URL (autocannon in its own process, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${ROUND_SEC} s)\n`,
    );
    const labels: Record<Route, string> = {
      ceiling: 'bare Fastify: verify, decrypt, reply (ceiling)',
      reply: 'platform: text with encrypted passive reply',
      success: 'platform: text no handler answers (success)',
      duplicate: 'platform: one MsgId repeated (dedupe)',
    };
    for (const name of names) {
      const r = s[name];
      line(
        labels[name],
        `${r.rps.toFixed(0)} req/s (${r.min.toFixed(0)}-${r.max.toFixed(0)}), p99 ${r.p99} ms, errors ${r.errors}`,
      );
    }
    line(
      'reply / ceiling',
      `${ratio.toFixed(2)} (goal >= 0.75, p99 < 25 ms, no errors: ${
        ratio >= 0.75 && s.reply.p99 < 25 && s.reply.errors === 0 ? 'met' : 'NOT met'
      })`,
    );
    const out: Record<string, number> = {
      ceilingRps: s.ceiling.rps,
      replyRps: s.reply.rps,
      successRps: s.success.rps,
      duplicateRps: s.duplicate.rps,
      ceilingP99Ms: s.ceiling.p99,
      replyP99Ms: s.reply.p99,
      successP99Ms: s.success.p99,
      duplicateP99Ms: s.duplicate.p99,
      errors: s.reply.errors + s.success.errors + s.duplicate.errors + s.ceiling.errors,
      ratio,
    };
    line(
      'written',
      writeResult('message-url', {
        connections: CONNECTIONS,
        roundSec: ROUND_SEC,
        rounds: ROUNDS,
        goal: { ratio: 0.75, p99Ms: 25, errors: 0 },
        summary: s,
        results,
      }),
    );
    return out;
  } finally {
    await ceiling.close();
    await stack.close();
    await sandbox.stop();
  }
}

/**
 * The ceiling: the same URL on a bare Fastify server doing what any correct receiver must (parse
 * the envelope, verify both signatures, decrypt, parse, build the reply, encrypt, sign) and
 * nothing else: no guard, no account lookup, no dedupe, no metrics.
 */
async function startCeiling(component: {
  appid: string;
  token: string;
  encodingAesKey: string;
}): Promise<{ url: string; close(): Promise<void> }> {
  const crypto = new WechatMessageCrypto({
    token: component.token,
    encodingAesKey: component.encodingAesKey,
    appid: component.appid,
  });
  const app = Fastify({ logger: false });
  app.addContentTypeParser('text/xml', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.post<{
    Querystring: Record<string, string>;
    Body: string;
  }>('/wechat/:componentAppid/accounts/:authorizerAppid/messages', (req, reply) => {
    const q = req.query;
    const envelope = parseWechatXml(req.body);
    const encrypt = envelope.Encrypt;
    if (typeof encrypt !== 'string') return reply.status(400).send('no Encrypt');
    const opened = crypto.open(
      {
        timestamp: q.timestamp,
        nonce: q.nonce,
        msgSignature: q.msg_signature,
        signature: q.signature,
      },
      encrypt,
    );
    const fields = parseWechatXml(opened.message);
    const { FromUserName: toUser, ToUserName: fromUser } = fields;
    if (typeof toUser !== 'string' || typeof fromUser !== 'string')
      return reply.status(400).send('no user names');
    const xml = buildPassiveReplyXml(
      { type: 'text', content: REPLY_TEXT },
      {
        toUser,
        fromUser,
        createTime: new Date(),
      },
    );
    const sealed = crypto.seal(xml, {
      timestamp: String(Math.floor(Date.now() / 1000)),
      nonce: q.nonce,
      keyIndex: opened.keyIndex,
    });
    void reply.header('content-type', 'application/xml; charset=utf-8');
    return reply.send(sealed.xml);
  });
  const port = await freePort();
  await app.listen({ host: '127.0.0.1', port });
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
