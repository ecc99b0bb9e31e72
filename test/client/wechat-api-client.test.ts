import {
  createServer,
  IncomingMessage,
  request as httpRequest,
  Server,
  ServerResponse,
} from 'node:http';
import { connect, createServer as createTcpServer, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ComponentTokenService,
  WechatApiClient,
  WechatApiError,
  WechatIpNotWhitelistedError,
  WechatOpenModuleOptions,
  WechatUnavailableError,
} from '@app/wechat-open';
import { libraryFixture, LibraryFixture } from '../library/library-host.js';

/**
 * The WeChat adapter on @nestjs/axios, configured through the library's options, against a tiny
 * loopback server (for the failures the sandbox does not make) and the sandbox through a loopback
 * forward proxy.
 */
describe('WechatApiClient (HttpService)', () => {
  let fixture: LibraryFixture;
  let wechat: TinyWechat;
  let proxy: CountingProxy;
  const hosts: INestApplicationContext[] = [];

  beforeAll(async () => {
    fixture = await libraryFixture();
    wechat = await TinyWechat.start();
    proxy = await CountingProxy.start();
  });
  afterAll(async () => {
    for (const host of hosts) await host.close();
    await fixture?.close();
    await wechat?.close();
    await proxy?.close();
  });
  beforeEach(() => wechat.reset());

  async function host(options: Partial<WechatOpenModuleOptions> = {}) {
    const app = await fixture.start({
      schedule: false,
      options: { schedulers: false, ...options },
    });
    hosts.push(app);
    return app;
  }

  async function tinyClient(options: Partial<WechatOpenModuleOptions> = {}) {
    const app = await host({
      api: { baseUrl: wechat.url, timeoutMs: 300, attempts: 3, backoffMs: 5 },
      ...options,
    });
    return app.get(WechatApiClient);
  }

  it('sends every call through the proxy configured in the options, seen by a host interceptor', async () => {
    const seen: { url?: string; params?: unknown }[] = [];
    const app = await host({
      http: {
        proxy: { protocol: 'http', host: '127.0.0.1', port: proxy.port },
        configure: (axios) => {
          axios.interceptors.request.use((config) => {
            seen.push({ url: config.url, params: config.params });
            return config;
          });
        },
      },
    });
    // The sandbox issues a ticket (it has nowhere to push it) and the host receives it.
    const { ticket } = await fixture.sandbox.pushTicket(fixture.component.appid);
    await fixture.pushTicket(app, ticket, Math.floor(Date.now() / 1000));
    const token = await app
      .get(ComponentTokenService)
      .getComponentAccessToken(fixture.component.appid);
    expect(token).toBeTruthy();

    const endpoints = proxy.requests.map((r) => new URL(r).pathname);
    expect(endpoints).toContain('/cgi-bin/component/api_component_token');
    expect((await fixture.sandbox.counters()).calls.api_component_token).toBe(1);
    const sandboxUrl = app.get(WechatApiClient).baseUrl;
    expect(seen.map((s) => s.url)).toContain(
      new URL('/cgi-bin/component/api_component_token', sandboxUrl).href,
    );
    // The interceptor sees the URL without any token: the query stays in params.
    for (const s of seen) expect(s.url).not.toMatch(/access_token|\?/);
  });

  it('says plainly that 61004 is the IP whitelist, and does not retry it', async () => {
    const client = await tinyClient();
    wechat.answer('/cgi-bin/ip', () => ({
      errcode: 61004,
      errmsg: 'invalid ip 203.0.113.7, not in whitelist rid: 1',
    }));
    const error = await client
      .request('/cgi-bin/ip', { query: { access_token: 'SECRET-TOKEN' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatIpNotWhitelistedError);
    expect(error).toBeInstanceOf(WechatApiError);
    expect(error).toMatchObject({ code: 'WECHAT_61004', errcode: 61004, configuration: true });
    expect((error as Error).message).toMatch(/egress IP is not on the platform's IP whitelist/);
    expect((error as Error).message).toContain('203.0.113.7');
    expect((error as Error).message).not.toContain('SECRET-TOKEN');
    expect(wechat.calls('/cgi-bin/ip')).toBe(1);
  });

  it('retries -1 with backoff until WeChat answers', async () => {
    const client = await tinyClient();
    let n = 0;
    wechat.answer('/cgi-bin/busy', () =>
      ++n <= 2 ? { errcode: -1, errmsg: 'system error' } : { errcode: 0, value: 42 },
    );
    await expect(client.request('/cgi-bin/busy', { body: { a: 1 } })).resolves.toMatchObject({
      value: 42,
    });
    expect(wechat.calls('/cgi-bin/busy')).toBe(3);
    expect(wechat.bodies('/cgi-bin/busy')[0]).toEqual({ a: 1 });
  });

  it('a timed-out token-issuing call: outcome unknown, not repeated; other calls are retried', async () => {
    const client = await tinyClient();
    wechat.answer('/cgi-bin/slow', () => 'hang');
    const error = await client
      .request('/cgi-bin/slow', {
        query: { component_access_token: 'SECRET-TOKEN' },
        body: { x: 1 },
        issuesToken: true,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WechatUnavailableError);
    expect(error).toMatchObject({ code: 'WECHAT_UNAVAILABLE', outcomeUnknown: true });
    expect(wechat.calls('/cgi-bin/slow')).toBe(1);
    // Nothing an error carries (message, cause, serialised form) holds the token.
    const shown = `${String(error)} ${String((error as Error).cause)} ${JSON.stringify(error)}`;
    expect(shown).not.toContain('SECRET-TOKEN');

    wechat.reset();
    wechat.answer('/cgi-bin/slow', () => 'hang');
    await expect(client.request('/cgi-bin/slow', { body: { x: 1 } })).rejects.toMatchObject({
      outcomeUnknown: true,
    });
    expect(wechat.calls('/cgi-bin/slow')).toBe(3);
  });

  it('a call that timed out before it was sent has a known outcome (and is retried)', async () => {
    // A proxy that accepts the connection and never answers CONNECT: the HTTPS request waits
    // for its tunnel and is never written.
    let connections = 0;
    const blackHole = createTcpServer((socket) => {
      connections++;
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
    try {
      const port = (blackHole.address() as AddressInfo).port;
      const app = await host({
        api: { baseUrl: 'https://api.weixin.qq.com', timeoutMs: 200, attempts: 2, backoffMs: 5 },
        http: { proxy: { protocol: 'http', host: '127.0.0.1', port } },
      });
      const error = await app
        .get(WechatApiClient)
        .request('/cgi-bin/component/api_component_token', { body: {}, issuesToken: true })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WechatUnavailableError);
      expect(error).toMatchObject({
        message: 'api_component_token: timed out',
        outcomeUnknown: false,
      });
      // Retried, although it issues a token: WeChat never saw the first attempt.
      expect(connections).toBe(2);
    } finally {
      blackHole.close();
      blackHole.unref();
    }
  });

  it('maps HTTP errors and non-JSON answers to WechatUnavailableError', async () => {
    const client = await tinyClient({
      api: { baseUrl: wechat.url, timeoutMs: 300, attempts: 2, backoffMs: 5 },
    });
    wechat.answer('/cgi-bin/500', () => ({ status: 502 }));
    await expect(client.request('/cgi-bin/500')).rejects.toMatchObject({
      code: 'WECHAT_UNAVAILABLE',
      message: '500: HTTP 502',
      outcomeUnknown: false,
    });
    expect(wechat.calls('/cgi-bin/500')).toBe(2);
    wechat.answer('/cgi-bin/html', () => ({ text: '<html>busy</html>' }));
    await expect(client.request('/cgi-bin/html')).rejects.toMatchObject({
      message: 'html: answer is not JSON',
    });
  });
});

type Answer = Record<string, unknown> | 'hang';

/** A loopback stand-in for WeChat whose answers each test sets. */
class TinyWechat {
  private readonly handlers = new Map<string, () => Answer>();
  private readonly seen = new Map<string, unknown[]>();
  private readonly hanging = new Set<ServerResponse>();

  private readonly server: Server = createServer((req, res) => this.handle(req, res));
  url = '';

  static async start(): Promise<TinyWechat> {
    const self = new TinyWechat();
    await new Promise<void>((r) => self.server.listen(0, '127.0.0.1', r));
    self.url = `http://127.0.0.1:${(self.server.address() as AddressInfo).port}`;
    return self;
  }

  answer(path: string, handler: () => Answer): void {
    this.handlers.set(path, handler);
  }

  calls(path: string): number {
    return this.seen.get(path)?.length ?? 0;
  }

  bodies(path: string): unknown[] {
    return this.seen.get(path) ?? [];
  }

  reset(): void {
    this.handlers.clear();
    this.seen.clear();
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  async close(): Promise<void> {
    this.reset();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const text = Buffer.concat(chunks).toString();
      this.seen.set(path, [...(this.seen.get(path) ?? []), text ? JSON.parse(text) : undefined]);
      const answer = this.handlers.get(path)?.() ?? { errcode: 0 };
      if (answer === 'hang') {
        this.hanging.add(res);
        return;
      }
      if (typeof answer.status === 'number') {
        res.writeHead(answer.status).end('bad gateway');
      } else if (typeof answer.text === 'string') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(answer.text);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      }
    });
  }
}

/** A minimal loopback HTTP forward proxy (absolute-form requests; CONNECT tunnels) that counts. */
class CountingProxy {
  readonly requests: string[] = [];
  private readonly sockets = new Set<Socket>();

  private readonly server: Server = createServer();
  port = 0;

  static async start(): Promise<CountingProxy> {
    const self = new CountingProxy();
    const server = self.server;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      self.requests.push(req.url ?? '');
      const target = new URL(req.url ?? '');
      const upstream = httpRequest(
        target,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    server.on('connect', (req: IncomingMessage, client: Socket) => {
      self.requests.push(`https://${req.url}/`);
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    server.on('connection', (s: Socket) => self.sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self.port = (server.address() as AddressInfo).port;
    return self;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}
