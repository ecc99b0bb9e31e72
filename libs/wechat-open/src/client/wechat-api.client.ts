import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { WechatApiError, WechatUnavailableError } from './wechat-api.errors.js';

export interface WechatApiClientOptions {
  /** Default `https://api.weixin.qq.com`. */
  baseUrl: string;
  /** Per-attempt timeout. Default 5000 ms. */
  timeoutMs: number;
  /** Attempts for -1 and network failures. Default 3. */
  attempts: number;
  /** First backoff pause; doubled each attempt, with jitter. Default 200 ms. */
  backoffMs: number;
}

export interface WechatRequest {
  method?: 'GET' | 'POST';
  /** Query parameters; the token goes here and is never logged. */
  query?: Record<string, string>;
  body?: unknown;
  /**
   * The call issues a new credential (api_component_token, api_authorizer_token). A timed-out
   * attempt is then not repeated here: WeChat may serve the lost attempt after the repeat, and
   * the token we kept would be the older one, retired after WeChat's grace. The caller gets
   * `outcomeUnknown` instead and refreshes again soon.
   */
  issuesToken?: boolean;
}

/** Told of every attempt: endpoint name, `ok` / the errcode / `unavailable`, and seconds taken. */
export type WechatCallObserver = (endpoint: string, result: string, seconds: number) => void;

export type WechatResponse = Record<string, unknown> & { errcode?: number; errmsg?: string };

/**
 * The one adapter to WeChat's HTTP API: JSON in and out, errcode mapped to WechatApiError,
 * -1 / 5xx / network failures retried with backoff. It knows nothing of tokens: the token
 * services add them and handle 40001-style answers.
 */
export class WechatApiClient {
  private readonly logger = new Logger('WechatApiClient');
  /** Keep-alive connections to WeChat; undici's request API costs a fraction of global fetch. */
  private readonly agent: Agent;

  constructor(private readonly options: WechatApiClientOptions) {
    this.agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  }

  private readonly observers: WechatCallObserver[] = [];

  /** Adds an observer of every attempt (metrics); observers must not throw. */
  observe(observer: WechatCallObserver): void {
    this.observers.push(observer);
  }

  /** Closes the kept-alive connections (on shutdown). */
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
        // A request that timed out was sent: WeChat may have acted on it.
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
      throw new WechatApiError(endpoint, json.errcode, String(json.errmsg ?? ''));
    }
    return json as T;
  }
}
