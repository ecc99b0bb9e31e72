import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createSandboxApp } from '@app/sandbox';

/** Fields of the sandbox's answers that carry a credential WeChat issued. */
const ISSUED_FIELDS = new Set([
  'ticket', // push-ticket (the verify ticket) and getticket (jsapi / wx_card tickets)
  'component_access_token',
  'pre_auth_code',
  'authorization_code',
  'authorizer_access_token',
  'authorizer_refresh_token',
  'authCode', // the control API's authorize
]);
/** Query parameters of the sandbox's redirects and links that carry one (the authorization page's). */
const ISSUED_PARAMS = ['auth_code', 'pre_auth_code'];

/** Issued values by the field or parameter that carried them. */
export type Issued = Map<string, Set<string>>;

function add(into: Issued, kind: string, value: string): void {
  if (value.length < 8) return;
  if (!into.has(kind)) into.set(kind, new Set());
  into.get(kind)!.add(value);
}

function collectIssued(value: unknown, into: Issued): void {
  if (Array.isArray(value)) for (const v of value) collectIssued(v, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (ISSUED_FIELDS.has(k) && typeof v === 'string') add(into, k, v);
      else collectIssued(v, into);
    }
  }
}

function collectFromUrl(location: string, into: Issued): void {
  try {
    const url = new URL(location, 'http://sandbox.invalid');
    for (const p of ISSUED_PARAMS) {
      const v = url.searchParams.get(p);
      if (v) add(into, p, v);
    }
  } catch {
    // not a URL: nothing issued in it
  }
}

/**
 * A sandbox on a random loopback port whose every answer (its WeChat API, its pages, its control
 * API) is read for credentials as it leaves: a secrets search needs no knowledge of its stores.
 */
export async function startWatchedSandbox(
  settings: Record<string, unknown> = { ticketPushIntervalMs: 0 },
): Promise<{ sandbox: NestFastifyApplication; url: string; issued: Issued }> {
  const issued: Issued = new Map();
  const sandbox = await createSandboxApp({ settings });
  sandbox
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (_request, reply, payload, done) => {
      const location = reply.getHeader('location');
      if (typeof location === 'string') collectFromUrl(location, issued);
      const text =
        typeof payload === 'string'
          ? payload
          : Buffer.isBuffer(payload)
            ? payload.toString('utf8')
            : null;
      if (text?.startsWith('{') || text?.startsWith('[')) {
        try {
          collectIssued(JSON.parse(text), issued);
        } catch {
          // not JSON
        }
      }
      // A page's links carry the pre_auth_code too.
      for (const m of text?.matchAll(/https?:\/\/[^"'\s<>]+/g) ?? []) collectFromUrl(m[0], issued);
      done(null, payload);
    });
  await sandbox.listen(0, '127.0.0.1');
  const url = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
  return { sandbox, url, issued };
}
