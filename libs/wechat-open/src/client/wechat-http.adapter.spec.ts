import { Agent, createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import axios, { AxiosError, AxiosInstance } from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { wechatHttpModuleOptions } from './wechat-http.options.js';

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback server that records what it was sent and answers as `handler` says. */
async function loopback(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

function instance(options: Partial<Parameters<typeof wechatHttpModuleOptions>[0]> = {}) {
  return axios.create(wechatHttpModuleOptions({ proxy: false, timeoutMs: 5000, ...options }));
}

describe('wechatHttpAdapter', () => {
  const servers: Server[] = [];
  const agents: Agent[] = [];
  let wechat: Awaited<ReturnType<typeof loopback>>;
  let http: AxiosInstance;

  beforeAll(async () => {
    wechat = await loopback((req, res, body) => {
      if (req.url?.startsWith('/hang')) return;
      if (req.url?.startsWith('/502')) return void res.writeHead(502).end('bad gateway');
      res.writeHead(200, { 'content-type': 'application/json' }).end(body || '{"errcode":0}');
    });
    servers.push(wechat.server);
    http = instance();
  });
  afterEach(() => {
    wechat.seen.length = 0;
  });
  afterAll(async () => {
    for (const agent of agents) agent.destroy();
    for (const own of [http.defaults.httpAgent, http.defaults.httpsAgent] as Agent[]) {
      own.destroy();
    }
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('sends the query from params, the body as given, and reads the answer as text', async () => {
    const seenByInterceptor: unknown[] = [];
    http.interceptors.request.use((config) => {
      seenByInterceptor.push(config.params);
      return config;
    });
    const response = await http.request<string>({
      url: `${wechat.url}/cgi-bin/echo`,
      method: 'POST',
      params: { access_token: 'T0KEN', n: '1 2' },
      headers: { 'content-type': 'application/json' },
      data: '{"a":"é"}',
      timeout: 1000,
    });
    expect(response.status).toBe(200);
    expect(response.data).toBe('{"a":"é"}');
    expect(response.headers['content-type']).toBe('application/json');
    expect(seenByInterceptor).toEqual([{ access_token: 'T0KEN', n: '1 2' }]);
    const [seen] = wechat.seen;
    expect(seen.url).toBe('/cgi-bin/echo?access_token=T0KEN&n=1+2');
    expect(seen.body).toBe('{"a":"é"}');
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength('{"a":"é"}')));
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['user-agent']).toBe(`axios/${axios.VERSION}`);
    // axios' own adapter would ask for a compressed answer: this call took the direct path.
    expect(seen.headers['accept-encoding']).toBeUndefined();
    http.interceptors.request.clear();
  });

  it('fails an error status with the response attached', async () => {
    const error = await http.get(`${wechat.url}/502`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AxiosError);
    expect((error as AxiosError).response?.status).toBe(502);
    expect((error as AxiosError).response?.data).toBe('bad gateway');
  });

  it('times out an answer that never comes: ETIMEDOUT, the request sent', async () => {
    const error = (await http
      .post(`${wechat.url}/hang`, '{}', { timeout: 100 })
      .catch((e: unknown) => e)) as AxiosError;
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.message).toBe('timeout of 100ms exceeded');
    expect((error.request as { writableFinished: boolean }).writableFinished).toBe(true);
  });

  it('times out a request still waiting for a socket: it was never sent', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const one = instance({ httpAgent: agent });
    const busy = one.post(`${wechat.url}/hang`, '{}', { timeout: 300 }).catch(() => undefined);
    const error = (await one
      .post(`${wechat.url}/hang`, '{}', { timeout: 100 })
      .catch((e: unknown) => e)) as AxiosError;
    expect(error.code).toBe('ETIMEDOUT');
    expect((error.request as { writableFinished: boolean }).writableFinished).toBe(false);
    await busy;
  });

  it('says why a call could not be made', async () => {
    const closed = await loopback(() => undefined);
    await new Promise((r) => closed.server.close(r));
    const error = (await http.get(closed.url).catch((e: unknown) => e)) as AxiosError;
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.request).toBeDefined();
  });

  it('leaves a proxied call to axios’ own adapter, which sends it to the proxy', async () => {
    const proxy = await loopback((_req, res) => res.writeHead(200).end('{"via":"proxy"}'));
    servers.push(proxy.server);
    const proxied = instance({
      proxy: { protocol: 'http', host: '127.0.0.1', port: Number(new URL(proxy.url).port) },
    });
    const response = await proxied.get<string>(`${wechat.url}/cgi-bin/x`, {
      params: { access_token: 'T' },
    });
    expect(response.data).toBe('{"via":"proxy"}');
    expect(proxy.seen.map((s) => s.url)).toEqual([`${wechat.url}/cgi-bin/x?access_token=T`]);
    expect(wechat.seen).toEqual([]);
    for (const own of [proxied.defaults.httpAgent, proxied.defaults.httpsAgent] as Agent[]) {
      own.destroy();
    }
  });
});
