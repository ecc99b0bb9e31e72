import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Inject, Injectable } from '@nestjs/common';
import type { ForwardingConfig } from '../config/platform-config.js';
import { FORWARDING_CONFIG } from './forwarding.providers.js';
import { isPublicAddress, literalAddress } from './webhook-url.js';

/** What one POST to a tenant's endpoint came to. */
export interface SendResult {
  /** A 2xx answer. */
  ok: boolean;
  /** The answer's status; null when none came (network error, timeout, refused address). */
  httpStatus: number | null;
  /** Null on success; else the network error, or the status and a clipped start of the answer. */
  error: string | null;
}

/** How much of a non-2xx answer is read (and at most 200 characters of it kept). */
const ANSWER_READ_BYTES = 1024;
const ANSWER_KEPT_CHARS = 200;

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * POSTs deliveries with Node's own HTTP client: one deadline for the whole exchange (connect,
 * send, answer), a 2xx accepted as soon as its status line arrives, at most 1 KiB read of any
 * other answer, the socket destroyed in every case (a hostile receiver cannot stream forever or
 * hold a slot past the deadline), redirects not followed, and, unless private networks are
 * allowed, every address the host name resolves to checked at connection time (DNS rebinding).
 */
@Injectable()
export class WebhookSender {
  constructor(@Inject(FORWARDING_CONFIG) private readonly config: ForwardingConfig) {}

  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return Promise.resolve({ ok: false, httpStatus: null, error: 'invalid URL' });
    }
    const literal = literalAddress(target);
    if (!this.config.allowPrivateNetworks && literal !== null && !isPublicAddress(literal)) {
      return Promise.resolve({ ok: false, httpStatus: null, error: 'address not public' });
    }
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const payload = Buffer.from(body, 'utf8');
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(result);
      };
      const req = request(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(payload.length) },
          agent: false,
          lookup: this.config.allowPrivateNetworks ? undefined : publicOnlyLookup,
        },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            finish({ ok: true, httpStatus: status, error: null });
            return;
          }
          const chunks: Buffer[] = [];
          let read = 0;
          const done = () => finish(answerError(status, Buffer.concat(chunks)));
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            read += chunk.length;
            if (read >= ANSWER_READ_BYTES) done();
          });
          res.on('end', done);
          res.on('error', done);
        },
      );
      const timer = setTimeout(
        () =>
          finish({
            ok: false,
            httpStatus: null,
            error: `timeout after ${this.config.timeoutMs} ms`,
          }),
        this.config.timeoutMs,
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        finish({ ok: false, httpStatus: null, error: networkError(error) }),
      );
      req.end(payload);
    });
  }
}

function answerError(status: number, answer: Buffer): SendResult {
  const text = answer
    .subarray(0, ANSWER_READ_BYTES)
    .toString('utf8')
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .slice(0, ANSWER_KEPT_CHARS);
  return {
    ok: false,
    httpStatus: status,
    error: text ? `HTTP ${status}: ${text}` : `HTTP ${status}`,
  };
}

function networkError(error: NodeJS.ErrnoException): string {
  return (error.code ?? error.message).slice(0, ANSWER_KEPT_CHARS);
}

/** dns.lookup, refusing a name any of whose addresses is not public. */
function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, []);
      return;
    }
    if (addresses.length === 0 || addresses.some((a) => !isPublicAddress(a.address))) {
      const refused: NodeJS.ErrnoException = new Error('address not public');
      refused.code = 'ADDRESS_NOT_PUBLIC';
      callback(refused, []);
      return;
    }
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  });
}
