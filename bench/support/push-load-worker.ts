import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  buildWechatXml,
  msgSignature,
  plainSignature,
  WechatMessageCrypto,
} from '@app/wechat-open';
import type { PushLoadJob } from './push-load.js';

/** The part of autocannon's programmatic API used here (it ships no types). */
interface AutocannonRequest {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  requests: { setupRequest: (req: AutocannonRequest) => AutocannonRequest }[];
}) => Promise<{
  requests: { total: number };
  latency: { p99: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/**
 * The load generator of the push benches, in a process of its own: reads its job (which carries
 * the component's token and key, so it comes on stdin, never argv) and prints autocannon's JSON
 * summary. Every push is pre-built before the clock starts, each with a fresh timestamp and its
 * own MsgId or ticket, so that neither the replay window nor the dedupe short-circuits it (unless
 * the job asks for one push repeated, the duplicate path).
 */
async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += (chunk as Buffer).toString();
  const job = JSON.parse(input) as PushLoadJob;
  const crypto = new WechatMessageCrypto({
    token: job.component.token,
    encodingAesKey: job.component.encodingAesKey,
    appid: job.component.appid,
  });
  const now = Math.floor(Date.now() / 1000);
  const run = `${process.pid}${randomInt(1000, 9999)}`;
  const build = (i: number): { path: string; body: string } => {
    const timestamp = String(now);
    const nonce = String(100_000_000 + i);
    let plain: string;
    let envelopeTo: Record<string, string>;
    let path: string;
    if (job.kind === 'ticket') {
      plain = buildWechatXml({
        AppId: job.component.appid,
        CreateTime: now,
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: `ticket@@@bench-${run}-${i}`,
      });
      envelopeTo = { AppId: job.component.appid };
      path = `/wechat/${job.component.appid}/events`;
    } else {
      plain = buildWechatXml({
        ToUserName: job.account!.userName,
        FromUserName: 'o_bench_user',
        CreateTime: now,
        MsgType: 'text',
        Content: job.content ?? 'hello',
        MsgId: `${run}${String(i).padStart(8, '0')}`,
      });
      envelopeTo = { ToUserName: job.account!.userName };
      path = `/wechat/${job.component.appid}/accounts/${job.account!.appid}/messages`;
    }
    const encrypt = crypto.encrypt(plain);
    const query = new URLSearchParams({
      signature: plainSignature(job.component.token, timestamp, nonce),
      timestamp,
      nonce,
      ...(job.kind === 'ticket' ? {} : { openid: 'o_bench_user' }),
      encrypt_type: 'aes',
      msg_signature: msgSignature(job.component.token, timestamp, nonce, encrypt),
    });
    return {
      path: `${job.pathPrefix ?? ''}${path}?${query.toString()}`,
      body: buildWechatXml({ ...envelopeTo, Encrypt: encrypt }),
    };
  };
  const pool = Array.from({ length: job.repeatOne ? 1 : job.pool }, (_, i) => build(i));
  let next = 0;
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.seconds,
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    requests: [
      {
        setupRequest: (req) => {
          const push = pool[next++ % pool.length];
          return { ...req, path: push.path, body: push.body };
        },
      },
    ],
  });
  process.stdout.write(
    JSON.stringify({
      total: result.requests.total,
      duration: result.duration,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx,
      sent: next,
      pool: pool.length,
    }),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
