import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver does with a request: a status (and optional body), or hang, or stream. */
export type Answer = number | { status: number; body?: string } | 'hang' | 'stream-forever';

/**
 * A tenant's webhook receiver on a random loopback port: records every request and answers each
 * path by its script (the next scripted answer, then the path's default).
 */
export class Receiver {
  readonly received: Received[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private readonly defaults = new Map<string, Answer>();
  private readonly hanging = new Set<ServerResponse>();
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.received.push({
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        });
        this.answer(path, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Answers `path` with these, in order, then with `then` (default 200). */
  script(path: string, answers: Answer[], then: Answer = 200): void {
    this.scripts.set(path, [...answers]);
    this.defaults.set(path, then);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(path: string, res: ServerResponse): void {
    const answer = this.scripts.get(path)?.shift() ?? this.defaults.get(path) ?? 200;
    if (answer === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (answer === 'stream-forever') {
      this.hanging.add(res);
      res.writeHead(500, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(16 * 1024);
      const write = () => {
        if (res.destroyed) return;
        if (res.write(chunk)) setImmediate(write);
        else res.once('drain', write);
      };
      write();
      return;
    }
    const { status, body } = typeof answer === 'number' ? { status: answer, body: '' } : answer;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body ?? '');
  }
}
