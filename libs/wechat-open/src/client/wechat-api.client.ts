import type { ClientRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { AxiosResponse, isAxiosError } from 'axios';
import { WechatApiError, wechatApiError, WechatUnavailableError } from './wechat-api.errors.js';
import { OWN_AGENT } from './wechat-http.options.js';

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

const JSON_BODY = { 'content-type': 'application/json' };
/** Absolute URLs kept per path: WeChat's API has a few dozen paths; a caller's odd ones roll over. */
const MAX_URLS = 512;

/**
 * The one adapter to WeChat's HTTP API, on @nestjs/axios' HttpService (the library's own axios
 * instance: keep-alive agents, the configured proxy, the host's interceptors): JSON in and out,
 * errcode mapped to WechatApiError, -1 / HTTP / network failures retried with backoff. It knows
 * nothing of tokens: the token services add them and handle 40001-style answers.
 */
export class WechatApiClient implements OnApplicationShutdown {
  private readonly logger = new Logger('WechatApiClient');
  private readonly observers: WechatCallObserver[] = [];
  private readonly urls = new Map<string, string>();

  constructor(
    private readonly http: HttpService,
    private readonly options: WechatApiClientOptions,
  ) {}

  /** Adds an observer of every attempt (metrics); observers must not throw. */
  observe(observer: WechatCallObserver): void {
    this.observers.push(observer);
  }

  /** Closes the kept-alive connections of the library's own agents (a host's are left alone). */
  close(): Promise<void> {
    const { httpAgent, httpsAgent } = this.http.axiosRef.defaults as {
      httpAgent?: { destroy(): void; [OWN_AGENT]?: boolean };
      httpsAgent?: { destroy(): void; [OWN_AGENT]?: boolean };
    };
    for (const agent of [httpAgent, httpsAgent]) if (agent?.[OWN_AGENT]) agent.destroy();
    return Promise.resolve();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
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
    let response: AxiosResponse<string>;
    try {
      // The axios instance itself (promise API) rather than HttpService's Observable wrapper:
      // same instance, agents and interceptors, without a cancel token and an Observable per call.
      // Its defaults (wechatHttpModuleOptions) ask for the body as text, parsed below.
      response = await this.http.axiosRef.request<string>({
        // The token stays in `params`, apart from the URL interceptors and errors may show.
        url: this.urlOf(path),
        params: req.query,
        method: req.method ?? (req.body === undefined ? 'GET' : 'POST'),
        headers: req.body === undefined ? undefined : JSON_BODY,
        data: req.body === undefined ? undefined : JSON.stringify(req.body),
        timeout: this.options.timeoutMs,
      });
    } catch (error) {
      throw unavailable(endpoint, error);
    }
    let json: WechatResponse;
    try {
      // A string unless a host's configure() changed the instance's responseType.
      const data: unknown = response.data;
      json = (typeof data === 'string' ? JSON.parse(data) : data) as WechatResponse;
    } catch {
      throw new WechatUnavailableError(endpoint, 'answer is not JSON');
    }
    if (json === null || typeof json !== 'object') {
      throw new WechatUnavailableError(endpoint, 'answer is not a JSON object');
    }
    if (typeof json.errcode === 'number' && json.errcode !== 0) {
      throw wechatApiError(endpoint, json.errcode, String(json.errmsg ?? ''));
    }
    return json as T;
  }

  private urlOf(path: string): string {
    let url = this.urls.get(path);
    if (url === undefined) {
      url = new URL(path, this.options.baseUrl).href;
      if (this.urls.size >= MAX_URLS) this.urls.clear();
      this.urls.set(path, url);
    }
    return url;
  }
}

/**
 * The failure of one attempt as WechatUnavailableError. The axios error is not kept as the cause:
 * its config holds the query, tokens included, and errors are logged as they are.
 */
function unavailable(endpoint: string, error: unknown): WechatUnavailableError {
  if (isAxiosError(error) && error.response) {
    return new WechatUnavailableError(endpoint, `HTTP ${error.response.status}`);
  }
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = code === 'ETIMEDOUT' || (code === 'ECONNABORTED' && /timeout/i.test(message));
  // A request still waiting for a connection (or a CONNECT through the proxy) never reached
  // WeChat: its outcome is known. Once written, WeChat may have acted on it.
  const request = isAxiosError(error) ? (error.request as ClientRequest | undefined) : undefined;
  const sent = request?.writableFinished ?? true;
  const cause = Object.assign(new Error(message), {
    name: error instanceof Error ? error.name : 'Error',
    ...(typeof code === 'string' ? { code } : {}),
  });
  return new WechatUnavailableError(
    endpoint,
    timedOut ? 'timed out' : `unreachable${typeof code === 'string' ? ` (${code})` : ''}`,
    { cause, outcomeUnknown: timedOut && sent },
  );
}
