import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import {
  WechatApiClient,
  WechatApiClientOptions,
  WechatApiError,
  wechatApiError,
  WechatCallObserver,
  WechatRequest,
  WechatResponse,
  WechatUnavailableError,
} from '@app/wechat-open';

/** What the library's services use of the adapter: both implementations below have it. */
export type WechatApiAdapter = Pick<WechatApiClient, 'request' | 'observe' | 'close' | 'baseUrl'>;

/**
 * The adapter as it was before @nestjs/axios: undici's `request` with a keep-alive Agent. Kept
 * for the benchmark only, to measure both adapters in one run; the same retry policy, errcode
 * mapping and outcomeUnknown rule as WechatApiClient.
 */
export class UndiciWechatApiClient implements WechatApiAdapter {
  private readonly logger = new Logger('UndiciWechatApiClient');
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  private readonly observers: WechatCallObserver[] = [];

  constructor(private readonly options: WechatApiClientOptions) {}

  observe(observer: WechatCallObserver): void {
    this.observers.push(observer);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async request<T extends WechatResponse = WechatResponse>(
    path: string,
    req: WechatRequest = {},
  ): Promise<T> {
    const endpoint = path.slice(path.lastIndexOf('/') + 1) || path;
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      try {
        return await this.timed(endpoint, () => this.once<T>(path, endpoint, req));
      } catch (error) {
        const retryable =
          (error instanceof WechatUnavailableError && !(req.issuesToken && error.outcomeUnknown)) ||
          (error instanceof WechatApiError && error.transient);
        if (!retryable || attempt === this.options.attempts) throw error;
        lastError = error;
        const pause = this.options.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random());
        this.logger.warn(
          `${endpoint} failed (${error.message}); attempt ${attempt + 1} in ${Math.round(pause)} ms`,
        );
        await sleep(pause);
      }
    }
    throw lastError ?? new WechatUnavailableError(endpoint, 'no attempt made');
  }

  private async timed<T>(endpoint: string, attempt: () => Promise<T>): Promise<T> {
    if (this.observers.length === 0) return attempt();
    const started = performance.now();
    let result = 'ok';
    try {
      return await attempt();
    } catch (error) {
      result = error instanceof WechatApiError ? String(error.errcode) : 'unavailable';
      throw error;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      for (const observe of this.observers) observe(endpoint, result, seconds);
    }
  }

  private async once<T extends WechatResponse>(
    path: string,
    endpoint: string,
    req: WechatRequest,
  ): Promise<T> {
    const url = new URL(path, this.options.baseUrl);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const method = req.method ?? (req.body === undefined ? 'GET' : 'POST');
    let status: number;
    let text: string;
    try {
      const response = await request(url, {
        method,
        dispatcher: this.agent,
        headers: req.body === undefined ? undefined : { 'content-type': 'application/json' },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (cause) {
      const timedOut = cause instanceof Error && /Timeout/.test(cause.name);
      throw new WechatUnavailableError(endpoint, timedOut ? 'timed out' : 'unreachable', {
        cause,
        outcomeUnknown: timedOut,
      });
    }
    if (status < 200 || status >= 300) throw new WechatUnavailableError(endpoint, `HTTP ${status}`);
    let json: WechatResponse;
    try {
      json = JSON.parse(text) as WechatResponse;
    } catch (cause) {
      throw new WechatUnavailableError(endpoint, 'answer is not JSON', { cause });
    }
    if (typeof json.errcode === 'number' && json.errcode !== 0) {
      throw wechatApiError(endpoint, json.errcode, String(json.errmsg ?? ''));
    }
    return json as T;
  }
}
