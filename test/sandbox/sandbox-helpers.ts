import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { parseWechatXml, WechatMessageCrypto, XmlFields } from '@app/wechat-open';
import {
  SandboxAccountInput,
  SandboxCountersSnapshot,
  SandboxComponentConfig,
  SandboxHandle,
  SandboxSettings,
  startSandbox,
} from '@app/sandbox';

/** Loosely typed JSON answers: tests assert on their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const COMPONENT: SandboxComponentConfig = {
  appid: 'wxcomponent0000001',
  secret: 'component-secret-1',
  token: 'sandboxtoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

export const OA: SandboxAccountInput = {
  appid: 'wxofficial00000001',
  userName: 'gh_official00001',
  nickName: 'Test Coffee',
  kind: 'official_account',
  principalName: 'Test Coffee Ltd',
  serviceType: 2,
  verifyType: 0,
  alias: 'testcoffee',
};

export const MP: SandboxAccountInput = {
  appid: 'wxminiprog00000001',
  userName: 'gh_miniprog00001',
  nickName: 'Test Shop',
  kind: 'mini_program',
  principalName: 'Test Coffee Ltd',
};

/** A push as the receiver saw it, after verifying both signatures and decrypting. */
export interface ReceivedPush {
  path: string;
  query: Record<string, string>;
  envelope: XmlFields;
  message: string;
  fields: XmlFields;
}

export type Answer = { status?: number; body?: string; delayMs?: number };

/** A local push endpoint that checks msg_signature and decrypts like the platform would. */
export class PushReceiver {
  /** Every push that verified and decrypted, whatever it was answered. */
  readonly pushes: ReceivedPush[] = [];
  readonly rejected: string[] = [];
  hits = 0;
  answer: (push: ReceivedPush, hit: number) => Answer = () => ({ body: 'success' });
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly crypto: WechatMessageCrypto,
  ) {}

  static async start(component: SandboxComponentConfig = COMPONENT): Promise<PushReceiver> {
    const crypto = new WechatMessageCrypto({
      token: component.token,
      encodingAesKey: component.encodingAesKey,
      appid: component.appid,
    });
    const holder: { receiver?: PushReceiver } = {};
    const server = createServer((req, res) => {
      void holder.receiver!.handle(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.receiver = new PushReceiver(server, `http://127.0.0.1:${port}`, crypto);
    return holder.receiver;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: string }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    let push: ReceivedPush;
    try {
      const envelope = parseWechatXml(Buffer.concat(chunks).toString('utf8'));
      const opened = this.crypto.open(
        {
          timestamp: query.timestamp,
          nonce: query.nonce,
          msgSignature: query.msg_signature,
          signature: query.signature,
        },
        envelope.Encrypt as string,
      );
      push = {
        path: url.pathname,
        query,
        envelope,
        message: opened.message,
        fields: parseWechatXml(opened.message),
      };
    } catch (error) {
      this.rejected.push(String(error));
      return { status: 400, body: 'bad push' };
    }
    this.hits += 1;
    this.pushes.push(push);
    for (const wake of this.waiters.splice(0)) wake();
    const answer = this.answer(push, this.hits);
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    return { status: answer.status ?? 200, body: answer.body ?? '' };
  }

  /** Waits until a delivered push satisfies `match` (default: any), up to `timeoutMs`. */
  async waitFor(
    match: (push: ReceivedPush) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<ReceivedPush> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.pushes.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no matching push arrived');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A sandbox plus JSON helpers for its WeChat API and control API. */
export class SandboxClient {
  constructor(readonly handle: SandboxHandle) {}

  get url(): string {
    return this.handle.url;
  }

  static async start(
    options: {
      components?: SandboxComponentConfig[];
      accounts?: SandboxAccountInput[];
      settings?: Partial<SandboxSettings>;
    } = {},
  ): Promise<SandboxClient> {
    const handle = await startSandbox({
      port: 0,
      components: options.components ?? [COMPONENT],
      accounts: options.accounts ?? [OA, MP],
      settings: { ticketPushIntervalMs: 0, ...options.settings },
    });
    return new SandboxClient(handle);
  }

  /** A WeChat API call; returns the JSON body (errors are HTTP 200 too). */
  async api(path: string, body?: unknown, query: Record<string, string> = {}): Promise<Json> {
    const url = new URL(path, this.url);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const response = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`HTTP ${response.status} for ${path}`);
    return (await response.json()) as Json;
  }

  /** A control API call; returns status and JSON. */
  async control(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${this.url}/sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async ok<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
    const { status, body: json } = await this.control(method, path, body);
    if (status >= 300) throw new Error(`${method} ${path}: HTTP ${status} ${JSON.stringify(json)}`);
    return json as T;
  }

  /** Pushes a ticket and mints a component_access_token with it. */
  async componentToken(component: SandboxComponentConfig = COMPONENT): Promise<string> {
    const { ticket } = await this.ok('POST', `/components/${component.appid}/push-ticket`);
    const answer = await this.api('/cgi-bin/component/api_component_token', {
      component_appid: component.appid,
      component_appsecret: component.secret,
      component_verify_ticket: ticket,
    });
    const token: unknown = answer.component_access_token;
    if (typeof token !== 'string') throw new Error(`no token: ${JSON.stringify(answer)}`);
    return token;
  }

  /** Authorizes through the control API and exchanges the code: the account's tokens. */
  async authorizeAndExchange(
    cat: string,
    account: SandboxAccountInput = OA,
    component: SandboxComponentConfig = COMPONENT,
  ): Promise<{ accessToken: string; refreshToken: string; authCode: string }> {
    const { authCode } = await this.ok(
      'POST',
      `/components/${component.appid}/accounts/${account.appid}/authorize`,
      {},
    );
    const answer = await this.api(
      '/cgi-bin/component/api_query_auth',
      { component_appid: component.appid, authorization_code: authCode },
      { component_access_token: cat },
    );
    return {
      accessToken: answer.authorization_info.authorizer_access_token,
      refreshToken: answer.authorization_info.authorizer_refresh_token,
      authCode,
    };
  }

  counters(): Promise<SandboxCountersSnapshot> {
    return this.ok<SandboxCountersSnapshot>('GET', '/counters');
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
