import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hash,
  randomBytes,
  type Decipher,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWechatXml, msgSignature, WechatMessageCrypto } from '@app/wechat-open';
import { line } from './bench-util.js';

/** The part of `wechat-crypto` (node-webot, CommonJS, untyped) this bench calls. */
interface WechatCryptoPackage {
  getSignature(timestamp: string, nonce: string, encrypt: string): string;
  decrypt(encrypt: string): { message: string; id: string };
  encrypt(message: string): string;
}
type WechatCryptoConstructor = new (token: string, key: string, id: string) => WechatCryptoPackage;

interface Query {
  timestamp: string;
  nonce: string;
  msgSignature: string;
}

/** One way of receiving a push and one of sealing a reply, compared with the others. */
interface Contender {
  name: string;
  open(query: Query, encrypt: string): string;
  seal(message: string, timestamp: string, nonce: string): { encrypt: string; xml: string };
}

interface CryptoVector {
  id: string;
  token: string;
  encodingAesKey: string;
  receiveAppid: string;
  timestamp?: string;
  nonce?: string;
  msgSignature?: string;
  encrypt?: string;
  plaintext?: string;
  decrypted_msg?: string;
  request?: {
    timestamp: string;
    nonce: string;
    msg_signature: string;
    encrypt: string;
    decrypted: { msg: string };
  };
}

const ROUNDS = Number(process.env.CRYPTO_BENCH_ROUNDS ?? 10);
const ROUND_MS = Number(process.env.CRYPTO_BENCH_ROUND_MS ?? 30);
const WARMUP_MS = 300;

const TOKEN = 'benchComponentToken2026';
const ENCODING_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APPID = 'wx1f2e3d4c5b6a7988';

/** The reply envelope of §3.6 for contenders that have no builder of their own. */
function envelopeXml(encrypt: string, signature: string, timestamp: string, nonce: string): string {
  return (
    `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${signature}]]></MsgSignature>` +
    `<TimeStamp>${timestamp}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`
  );
}

function ours(token: string, encodingAesKey: string, appid: string): Contender {
  const crypto = new WechatMessageCrypto({ token, encodingAesKey, appid });
  return {
    name: 'ours (WechatMessageCrypto)',
    open: (query, encrypt) => crypto.open(query, encrypt).message,
    seal: (message, timestamp, nonce) => crypto.seal(message, { timestamp, nonce }),
  };
}

function wechatCrypto(token: string, encodingAesKey: string, appid: string): Contender {
  const WXBizMsgCrypt = createRequire(import.meta.url)('wechat-crypto') as WechatCryptoConstructor;
  const crypto = new WXBizMsgCrypt(token, encodingAesKey, appid);
  return {
    name: 'wechat-crypto 0.0.2',
    open: (query, encrypt) => {
      if (crypto.getSignature(query.timestamp, query.nonce, encrypt) !== query.msgSignature) {
        throw new Error('bad signature');
      }
      return crypto.decrypt(encrypt).message;
    },
    seal: (message, timestamp, nonce) => {
      const encrypt = crypto.encrypt(message);
      const signature = crypto.getSignature(timestamp, nonce, encrypt);
      return { encrypt, xml: envelopeXml(encrypt, signature, timestamp, nonce) };
    },
  };
}

/**
 * The least `node:crypto` can do for the same result: sha1 over the sorted parts, AES-256-CBC
 * with the key and IV, the PKCS#7/32 strip, the layout read. No strictness of any kind.
 */
function rawLoop(token: string, encodingAesKey: string, appid: string): Contender {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const iv = key.subarray(0, 16);
  const appidBytes = Buffer.from(appid);
  const sign = (timestamp: string, nonce: string, encrypt: string) =>
    createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
  return {
    name: 'raw node:crypto loop',
    open: (query, encrypt) => {
      if (sign(query.timestamp, query.nonce, encrypt) !== query.msgSignature) {
        throw new Error('bad signature');
      }
      const decipher: Decipher = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
      const plain = Buffer.concat([decipher.update(encrypt, 'base64'), decipher.final()]);
      const end = plain.length - plain[plain.length - 1];
      const length = plain.readUInt32BE(16);
      if (plain.toString('latin1', 20 + length, end) !== appid) throw new Error('bad appid');
      return plain.toString('utf8', 20, 20 + length);
    },
    seal: (message, timestamp, nonce) => {
      const body = Buffer.from(message);
      const size = 20 + body.length + appidBytes.length;
      const pad = 32 - (size % 32);
      const plain = Buffer.alloc(size + pad, pad);
      randomBytes(16).copy(plain, 0);
      plain.writeUInt32BE(body.length, 16);
      body.copy(plain, 20);
      appidBytes.copy(plain, 20 + body.length);
      const cipher = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
      const encrypt = Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
      return {
        encrypt,
        xml: envelopeXml(encrypt, sign(timestamp, nonce, encrypt), timestamp, nonce),
      };
    },
  };
}

/**
 * The raw loop again with the same `node:crypto` economies as ours (one-shot `hash`, no `final()`,
 * 16 random bytes from a pooled `randomBytes`, one buffer for the plaintext) and still none of
 * the checks: ours against this one is the price of the checks alone.
 */
function tunedRawLoop(token: string, encodingAesKey: string, appid: string): Contender {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const iv = key.subarray(0, 16);
  const appidBytes = Buffer.from(appid);
  let pool = randomBytes(4096);
  let offset = 0;
  const sign = (timestamp: string, nonce: string, encrypt: string) =>
    hash('sha1', [token, timestamp, nonce, encrypt].sort().join(''));
  return {
    name: 'raw loop, tuned',
    open: (query, encrypt) => {
      if (sign(query.timestamp, query.nonce, encrypt) !== query.msgSignature) {
        throw new Error('bad signature');
      }
      const plain = createDecipheriv('aes-256-cbc', key, iv)
        .setAutoPadding(false)
        .update(encrypt, 'base64');
      const end = plain.length - plain[plain.length - 1];
      const length = plain.readUInt32BE(16);
      if (plain.toString('latin1', 20 + length, end) !== appid) throw new Error('bad appid');
      return plain.toString('utf8', 20, 20 + length);
    },
    seal: (message, timestamp, nonce) => {
      const bodyLength = Buffer.byteLength(message);
      const size = 20 + bodyLength + appidBytes.length;
      const pad = 32 - (size % 32);
      const plain = Buffer.allocUnsafe(size + pad);
      if (offset + 16 > pool.length) {
        pool = randomBytes(4096);
        offset = 0;
      }
      pool.copy(plain, 0, offset, (offset += 16));
      plain.writeUInt32BE(bodyLength, 16);
      plain.write(message, 20, bodyLength);
      appidBytes.copy(plain, 20 + bodyLength);
      plain.fill(pad, size);
      const encrypt = createCipheriv('aes-256-cbc', key, iv)
        .setAutoPadding(false)
        .update(plain)
        .toString('base64');
      return {
        encrypt,
        xml: envelopeXml(encrypt, sign(timestamp, nonce, encrypt), timestamp, nonce),
      };
    },
  };
}

const makers = [ours, wechatCrypto, rawLoop, tunedRawLoop];

function fail(message: string): never {
  throw new Error(`crypto bench self-check: ${message}`);
}

function vectorsPath(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, 'test/fixtures/test-vectors.json');
    if (existsSync(path)) return path;
    if (dirname(dir) === dir) fail('test/fixtures/test-vectors.json not found');
  }
}

/**
 * Before timing anything: all of them agree on the published vectors (same plaintext, same
 * signatures), and each one's sealed reply opens under all the others.
 */
function selfCheck(): void {
  const { crypto: vectors } = JSON.parse(readFileSync(vectorsPath(), 'utf8')) as {
    crypto: CryptoVector[];
  };
  for (const v of vectors) {
    const contenders = makers.map((make) => make(v.token, v.encodingAesKey, v.receiveAppid));
    const cases: [Query, string, string][] = [];
    if (v.request) {
      const r = v.request;
      cases.push([
        { timestamp: r.timestamp, nonce: r.nonce, msgSignature: r.msg_signature },
        r.encrypt,
        r.decrypted.msg,
      ]);
    }
    if (v.encrypt && v.msgSignature && v.timestamp && v.nonce && v.decrypted_msg) {
      cases.push([
        { timestamp: v.timestamp, nonce: v.nonce, msgSignature: v.msgSignature },
        v.encrypt,
        v.decrypted_msg,
      ]);
    }
    if (v.encrypt && v.plaintext) {
      const q = { timestamp: '1409304348', nonce: 'xxxxxx' };
      cases.push([
        { ...q, msgSignature: msgSignature(v.token, q.timestamp, q.nonce, v.encrypt) },
        v.encrypt,
        v.plaintext,
      ]);
    }
    for (const [query, encrypt, expected] of cases) {
      for (const c of contenders) {
        if (c.open(query, encrypt) !== expected) fail(`${c.name} misreads vector ${v.id}`);
      }
    }
    const reply = '<xml><Content><![CDATA[回复 reply]]></Content></xml>';
    for (const sealer of contenders) {
      const sealed = sealer.seal(reply, '1713424427', '415670741');
      const signature = msgSignature(v.token, '1713424427', '415670741', sealed.encrypt);
      const expectedXml = buildWechatXml({
        Encrypt: sealed.encrypt,
        MsgSignature: signature,
        TimeStamp: 1713424427,
        Nonce: '415670741',
      });
      if (sealed.xml !== expectedXml) fail(`${sealer.name} builds another reply envelope`);
      const query = { timestamp: '1713424427', nonce: '415670741', msgSignature: signature };
      for (const opener of contenders) {
        if (opener.open(query, sealed.encrypt) !== reply) {
          fail(`${opener.name} cannot open what ${sealer.name} sealed (vector ${v.id})`);
        }
      }
    }
  }
}

interface Workload {
  name: string;
  message: string;
  bytes: number;
}

function workloads(): Workload[] {
  const ticket = buildWechatXml({
    AppId: APPID,
    CreateTime: 1764735000,
    InfoType: 'component_verify_ticket',
    ComponentVerifyTicket: `ticket@@@${'Yv3Qm8sTz1KxWc7pLd0HnR4bJf6GaE2u'.repeat(2)}zXw-9Q`,
  });
  const text = buildWechatXml({
    ToUserName: 'gh_97417a04a28d',
    FromUserName: 'o9AgO5Kd5ggOC-bXrbNODIiE3bGY',
    CreateTime: 1764735000,
    MsgType: 'text',
    Content: '你好，请问这个订单什么时候发货？Order #2026-12-03-0042, thanks! '.repeat(8),
    MsgId: '24601234567890123',
  });
  return [
    { name: 'ticket push', message: ticket, bytes: Buffer.byteLength(ticket) },
    { name: 'text message', message: text, bytes: Buffer.byteLength(text) },
  ];
}

let sink = 0;

/** Runs `op` for about `ms` milliseconds; operations per second. */
function timed(op: () => number, ms: number): number {
  let n = 0;
  const start = performance.now();
  let elapsed: number;
  do {
    for (let i = 0; i < 64; i++) sink += op();
    n += 64;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (n * 1000) / elapsed;
}

/**
 * Each round alternates between the contenders in batches of about a millisecond (the order
 * rotating every cycle) for `roundMs` per contender, so whatever else the machine does lands on
 * all of them alike. A batch is charged the process's CPU time, not the wall clock: on a shared
 * machine a batch descheduled half-way would otherwise count the other process's work too (GC
 * threads are in the process's CPU time, so a contender's garbage is still its own cost).
 * Returns operations per CPU-second, per contender per round.
 */
interface Timings {
  /** Per contender: operations per CPU-second over all the rounds together. */
  pooled: number[];
  /** Per contender, per round. */
  rounds: number[][];
  /** Per contender, per cycle (one batch of each, a few milliseconds apart). */
  cycles: number[][];
}

function interleaved(fns: (() => number)[], rounds: number, roundMs: number): Timings {
  const batches = fns.map((fn) =>
    Math.max(8, Math.round(timed(fn, WARMUP_MS / fns.length) / 1000)),
  );
  const timings: Timings = {
    pooled: [],
    rounds: fns.map(() => []),
    cycles: fns.map(() => []),
  };
  const totalMicros = fns.map(() => 0);
  const totalDone = fns.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    const cpuMicros = fns.map(() => 0);
    const done = fns.map(() => 0);
    const until = performance.now() + roundMs * fns.length;
    for (let cycle = 0; performance.now() < until; cycle++) {
      for (let k = 0; k < fns.length; k++) {
        const i = (cycle + k) % fns.length;
        const fn = fns[i];
        const start = process.cpuUsage();
        for (let b = 0; b < batches[i]; b++) sink += fn();
        const used = process.cpuUsage(start);
        const micros = Math.max(1, used.user + used.system);
        cpuMicros[i] += micros;
        done[i] += batches[i];
        timings.cycles[i].push((batches[i] * 1e6) / micros);
      }
    }
    for (let i = 0; i < fns.length; i++) {
      timings.rounds[i].push((done[i] * 1e6) / cpuMicros[i]);
      totalMicros[i] += cpuMicros[i];
      totalDone[i] += done[i];
    }
  }
  timings.pooled = fns.map((_, i) => (totalDone[i] * 1e6) / totalMicros[i]);
  return timings;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The contenders ours is compared with: index in `makers`, label, JSON key, goal. */
const comparisons: [number, string, string, number | undefined][] = [
  [2, 'raw loop', 'Raw', 0.95],
  [1, 'wechat-crypto', 'WechatCrypto', undefined],
  [3, 'tuned raw loop (the checks alone)', 'TunedRaw', undefined],
];

/**
 * Ours against contender `j`. The headline is the median of the ratios of batches run a few
 * milliseconds apart: on a shared 2-core machine it moves by a few hundredths between runs, where
 * the ratio of whole rounds (also given, with all rounds pooled) moves by tenths.
 */
function compare(t: Timings, j: number): { pooled: number; paired: number; rounds: number[] } {
  return {
    pooled: t.pooled[0] / t.pooled[j],
    paired: median(t.cycles[0].map((v, c) => v / t.cycles[j][c])),
    rounds: t.rounds[0].map((v, r) => v / t.rounds[j][r]),
  };
}

const range = (values: number[], digits: number) =>
  `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;

/**
 * Our open (verify + decrypt) and seal (encrypt + sign + envelope) against `wechat-crypto`, a
 * minimal raw `node:crypto` loop and the same loop tuned, in one process, in interleaved rounds
 * (see `interleaved`), so that noise from the shared machine falls on all of them alike. Ratios
 * are per round. Every contender's seal writes the §3.6 envelope (ours returns it), so all of
 * them produce the same reply.
 */
export async function benchCrypto(): Promise<Record<string, number>> {
  selfCheck();
  const contenders = makers.map((make) => make(TOKEN, ENCODING_AES_KEY, APPID));
  const out: Record<string, number> = {};
  const report: Record<string, unknown> = {
    rounds: ROUNDS,
    roundMs: ROUND_MS,
    node: process.version,
    at: new Date().toISOString(),
    results: {},
  };
  process.stdout.write(
    `crypto (one process, ${ROUNDS} rounds of ${ROUND_MS} ms per contender, interleaved by the millisecond; ops per CPU-second)\n`,
  );
  for (const w of workloads()) {
    const timestamp = '1764735000';
    const nonce = '1590219412';
    const encrypt = contenders[0].seal(w.message, timestamp, nonce).encrypt;
    const query = {
      timestamp,
      nonce,
      msgSignature: msgSignature(TOKEN, timestamp, nonce, encrypt),
    };
    const ops = {
      open: contenders.map((c) => () => c.open(query, encrypt).length),
      seal: contenders.map((c) => () => c.seal(w.message, timestamp, nonce).xml.length),
    };
    for (const [kind, fns] of Object.entries(ops)) {
      const t = interleaved(fns, ROUNDS, ROUND_MS);
      process.stdout.write(`  ${w.name} (${w.bytes} bytes of XML), ${kind}\n`);
      for (let i = 0; i < contenders.length; i++) {
        line(
          `  ${contenders[i].name}`,
          `${t.pooled[i].toFixed(0)} ops/CPU-s (rounds ${range(t.rounds[i], 0)})`,
        );
      }
      const key = `${w.name === 'ticket push' ? 'ticket' : 'message'}${kind === 'open' ? 'Open' : 'Seal'}`;
      const result: Record<string, unknown> = {
        workload: w.name,
        xmlBytes: w.bytes,
        opsPerCpuSecond: Object.fromEntries(contenders.map((c, i) => [c.name, t.pooled[i]])),
        roundsOpsPerCpuSecond: Object.fromEntries(contenders.map((c, i) => [c.name, t.rounds[i]])),
      };
      out[`${key}OpsPerCpuSecond`] = t.pooled[0];
      for (const [j, label, suffix, goal] of comparisons) {
        const ratio = compare(t, j);
        line(
          `  ours / ${label}`,
          `${ratio.paired.toFixed(2)}${goal ? ` (goal >= ${goal})` : ''}; all rounds pooled ` +
            `${ratio.pooled.toFixed(2)}, per round ${range(ratio.rounds, 2)}`,
        );
        out[`${key}Vs${suffix}`] = ratio.paired;
        result[`oursVs${suffix}`] = ratio;
      }
      (report.results as Record<string, unknown>)[key] = result;
    }
  }
  if (sink === -1) process.stdout.write('\n');
  const dir = join(dirname(vectorsPath()), '../../bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'crypto.json'), `${JSON.stringify(report, null, 2)}\n`);
  line('written', 'bench/results/crypto.json');
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchCrypto().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
