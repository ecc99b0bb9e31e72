import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { HttpModuleOptions } from '@nestjs/axios';
import type { AxiosInstance, AxiosProxyConfig } from 'axios';
import { wechatHttpAdapter } from './wechat-http.adapter.js';

/**
 * How the library's HTTP client (axios, through @nestjs/axios' HttpModule) reaches WeChat.
 * WeChat checks every third-party call against the platform's IP whitelist (61004), so
 * deployments whose egress address is not fixed send WeChat traffic through a fixed proxy.
 */
export interface WechatHttpOptions {
  /**
   * Proxy for every call to WeChat, as axios takes it (`{protocol, host, port, auth}`; see
   * `wechatProxyFromUrl`). HTTPS targets are tunnelled with CONNECT (TLS stays end to end).
   * Default `false`: direct. The library never reads process.env, so HTTP(S)_PROXY variables are
   * ignored unless the host passes them here.
   */
  proxy?: AxiosProxyConfig | false;
  /** Agent for http: URLs (the sandbox). Default a keep-alive agent of the library's own, closed on shutdown. */
  httpAgent?: HttpAgent;
  /** Agent for https: URLs (WeChat). Default a keep-alive agent of the library's own, closed on shutdown. */
  httpsAgent?: HttpsAgent;
  /**
   * Default timeout of the library's axios instance (for requests a host's interceptor makes
   * through it). The client's own calls always carry `api.timeoutMs` as their per-attempt
   * timeout. Default `api.timeoutMs`.
   */
  timeoutMs?: number;
  /**
   * Called once with the library's axios instance (`HttpService.axiosRef`) before the first call:
   * add interceptors (tracing, logging) here. The query carries access tokens: interceptors see
   * it in `config.params` (`config.url` has none) and must not log it. Default none.
   */
  configure?: (axios: AxiosInstance) => void;
}

export type ResolvedWechatHttpOptions = Omit<WechatHttpOptions, 'proxy' | 'timeoutMs'> & {
  proxy: AxiosProxyConfig | false;
  timeoutMs: number;
};

/** Marks the agents the library made itself: those it destroys on close, not a host's. */
export const OWN_AGENT = Symbol('wechat-open.ownAgent');

/** Sockets kept per host; WeChat is one host, and the refresh sweep runs 50 calls at once. */
const MAX_SOCKETS = 256;
/**
 * TCP keep-alive probes after a minute idle, as axios' adapter sets on every request's socket.
 * The agent applies its own value each time it takes a socket back: with the same value, Node
 * makes the system calls once per socket, not twice per request.
 */
const KEEP_ALIVE_MS = 60_000;

/**
 * The HttpModule configuration of the library's axios instance: keep-alive agents, no proxy
 * unless configured (environment variables ignored), no redirects (a redirect would carry the
 * token in the query to another address). Bodies go out as the client's JSON string and come
 * back as text the client parses (a non-JSON answer is WeChat unavailable), so axios' own
 * transforms are off, and a direct call goes out through the library's lighter adapter (a proxied
 * one through axios' own): transforms and adapter cost CPU on every call of the refresh sweep.
 */
export function wechatHttpModuleOptions(http: ResolvedWechatHttpOptions): HttpModuleOptions {
  const agent = { keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MS, maxSockets: MAX_SOCKETS };
  return {
    adapter: wechatHttpAdapter,
    proxy: http.proxy,
    httpAgent: http.httpAgent ?? ownAgent(new HttpAgent(agent)),
    httpsAgent: http.httpsAgent ?? ownAgent(new HttpsAgent(agent)),
    timeout: http.timeoutMs,
    maxRedirects: 0,
    responseType: 'text',
    transformRequest: [],
    transformResponse: [],
    paramsSerializer: { serialize: (params) => new URLSearchParams(params).toString() },
    // ETIMEDOUT (rather than ECONNABORTED) for a timeout.
    transitional: { clarifyTimeoutError: true },
  };
}

function ownAgent<T extends HttpAgent>(agent: T): T {
  return Object.assign(agent, { [OWN_AGENT]: true });
}

/**
 * An axios proxy configuration from a URL such as `http://user:secret@egress.internal:3128`
 * (the platform's WECHAT_HTTP_PROXY).
 */
export function wechatProxyFromUrl(url: string): AxiosProxyConfig {
  const u = new URL(url);
  const protocol = u.protocol.replace(/:$/, '');
  return {
    protocol,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : protocol === 'https' ? 443 : 80,
    ...(u.username
      ? {
          auth: {
            username: decodeURIComponent(u.username),
            password: decodeURIComponent(u.password),
          },
        }
      : {}),
  };
}
