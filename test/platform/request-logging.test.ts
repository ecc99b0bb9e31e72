import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedPush } from '../support/push.js';
import { startStack, TestStack } from '../support/stack.js';

describe('HTTP request logging', () => {
  let stack: TestStack;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    stack = await startStack({
      initialTicket: false,
      platform: { schedulers: false, logLevel: 'debug' },
      logStream: {
        write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
      },
    });
  });
  afterAll(() => stack.close());

  const push = () =>
    signedPush(stack.component, {
      AppId: stack.component.appid,
      CreateTime: Math.floor(Date.now() / 1000),
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: 'ticket@@@logged-nowhere',
    });
  const post = (p: { query: string; body: string }, headers: Record<string, string> = {}) =>
    fetch(`${stack.platform.url}/wechat/${stack.component.appid}/events?${p.query}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', ...headers },
      body: p.body,
    });
  const ofRequest = (id: string) =>
    lines.filter((l) => (l.req as { id?: string } | undefined)?.id === id);

  it('logs each request at debug level with its id and path, never its query', async () => {
    const p = push();
    const res = await post(p, { 'x-request-id': 'dash-board.42' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('dash-board.42');
    const mine = ofRequest('dash-board.42');
    const completed = mine.find((l) => l.msg === 'request completed');
    expect(completed).toMatchObject({
      level: 20,
      req: { method: 'POST', path: `/wechat/${stack.component.appid}/events` },
      res: { statusCode: 200 },
    });
    const all = JSON.stringify(lines);
    expect(all).not.toContain('msg_signature');
    expect(all).not.toContain(new URLSearchParams(p.query).get('nonce'));
    expect(all).not.toContain('logged-nowhere');
  });

  it('gives a request without an id (or with a malformed one) a new id, on every line of it', async () => {
    const p = push();
    const bad = {
      ...p,
      query: p.query.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${'0'.repeat(40)}`),
    };
    const res = await post(bad, { 'x-request-id': 'not an id {"forged":1}' });
    expect(res.status).toBe(401);
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const mine = ofRequest(id);
    // The refusal logged by the error filter carries the same request id as the access line.
    expect(mine.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('CRYPTO_BAD_SIGNATURE'),
        'request completed',
      ]),
    );
    expect(JSON.stringify(lines)).not.toContain('forged');
  });
});
