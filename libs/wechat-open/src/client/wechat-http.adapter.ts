import {
  request as httpRequest,
  type Agent,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import axios, {
  AxiosError,
  getAdapter,
  type AxiosAdapter,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';

/** axios' own Node adapter: it takes every request the direct path below does not. */
const axiosHttpAdapter: AxiosAdapter = getAdapter('http');

/** The User-Agent axios' adapter sends when the request names none. */
const USER_AGENT = `axios/${axios.VERSION}`;

/** Where an absolute URL's request goes: parsed once per URL (WeChat has a few dozen). */
interface Target {
  secure: boolean;
  hostname: string;
  port: string;
  path: string;
}

const targets = new Map<string, Target | null>();
const MAX_TARGETS = 512;

/**
 * The library's axios adapter. A plain call to WeChat (no proxy, the body a string, the answer
 * text, no redirects, streams, progress, cancellation or socket path) goes straight out on
 * node:http / node:https through the instance's agents; anything else, a proxied call first of
 * all, goes to axios' own http adapter, which handles every option. The direct path costs about
 * half as much CPU per call, which the refresh sweep's thousands of calls notice.
 *
 * What the direct path keeps of axios' adapter: the request and response interceptors (they run
 * around any adapter), `params` serialised by the instance's paramsSerializer, the agents, the
 * User-Agent, `validateStatus` (an error status is an AxiosError with `response`), the error
 * codes (`ETIMEDOUT` or `ECONNABORTED` for a timeout as `transitional.clarifyTimeoutError` says,
 * the socket's code for a network failure) and `error.request`, the ClientRequest, whose
 * `writableFinished` tells whether the request left. It does not ask for a compressed answer
 * (WeChat's are small JSON), and its `timeout` is one deadline for the whole exchange (the wait
 * for a socket and the connection included), where axios' adapter times the wait for the answer
 * and then the socket's inactivity while the body comes.
 *
 * A host's `configure` may set another adapter on the instance; this one is only the default.
 */
export const wechatHttpAdapter: AxiosAdapter = (config) => {
  const target = directTarget(config);
  if (!target) return axiosHttpAdapter(config);
  const agent = (target.secure ? config.httpsAgent : config.httpAgent) as Agent | undefined;
  if (hasEnvironmentProxy(agent)) return axiosHttpAdapter(config);
  return send(config, target, agent);
};

/** The target of a request the direct path can take, or null. */
function directTarget(config: InternalAxiosRequestConfig): Target | null {
  const c = config;
  if (
    c.proxy !== false ||
    typeof c.url !== 'string' ||
    (c.baseURL !== undefined && c.allowAbsoluteUrls === false) ||
    (c.data !== undefined && typeof c.data !== 'string') ||
    c.maxRedirects !== 0 ||
    (c.responseType !== undefined && c.responseType !== 'text' && c.responseType !== 'json') ||
    c.socketPath ||
    c.auth ||
    c.signal ||
    c.cancelToken ||
    c.transport ||
    c.lookup ||
    c.family ||
    c.onUploadProgress ||
    c.onDownloadProgress ||
    c.maxRate ||
    c.beforeRedirect ||
    c.insecureHTTPParser ||
    (c.httpVersion !== undefined && c.httpVersion !== 1) ||
    (c.maxContentLength ?? -1) > -1 ||
    (c.maxBodyLength ?? -1) > -1 ||
    (c.params !== undefined && typeof serializerOf(c) !== 'function') ||
    // Someone asked for a compressed answer: axios' adapter decompresses it.
    c.headers.has('accept-encoding')
  ) {
    return null;
  }
  return targetOf(c.url);
}

function targetOf(url: string): Target | null {
  let target = targets.get(url);
  if (target !== undefined) return target;
  target = parseTarget(url);
  if (targets.size >= MAX_TARGETS) targets.clear();
  targets.set(url, target);
  return target;
}

function parseTarget(url: string): Target | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null; // relative (a baseURL), or not a URL: axios' adapter says what is wrong
  }
  const secure = parsed.protocol === 'https:';
  if ((!secure && parsed.protocol !== 'http:') || parsed.username || parsed.password) return null;
  return {
    secure,
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port,
    path: parsed.pathname + parsed.search,
  };
}

function serializerOf(config: InternalAxiosRequestConfig) {
  const serializer = config.paramsSerializer;
  return typeof serializer === 'function' ? serializer : serializer?.serialize;
}

/** An agent Node's --use-env-proxy made proxy-aware: axios' adapter bypasses that proxy. */
function hasEnvironmentProxy(agent: Agent | undefined): boolean {
  const options = (agent as { options?: { proxyEnv?: unknown } } | undefined)?.options;
  return typeof options?.proxyEnv === 'object' && options.proxyEnv !== null;
}

function send(
  config: InternalAxiosRequestConfig,
  target: Target,
  agent: Agent | undefined,
): Promise<AxiosResponse<string>> {
  return new Promise((resolve, reject) => {
    let path = target.path;
    if (config.params !== undefined) {
      const options = config.paramsSerializer;
      const query = serializerOf(config)!(
        config.params as Record<string, unknown>,
        typeof options === 'object' ? options : undefined,
      );
      if (query) path += (path.includes('?') ? '&' : '?') + query;
    }
    const body = config.data as string | undefined;
    const headers = config.headers;
    if (!headers.has('user-agent')) headers.set('User-Agent', USER_AGENT);
    if (body !== undefined) headers.setContentLength(Buffer.byteLength(body), false);

    // Settled once: by the answer, a failure, or the deadline, whichever comes first.
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const outcome: Outcome = {
      succeed(response) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(response);
      },
      fail(error) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    };
    const req: ClientRequest = (target.secure ? httpsRequest : httpRequest)(
      {
        hostname: target.hostname,
        port: target.port,
        path,
        method: (config.method ?? 'get').toUpperCase(),
        headers: headers.toJSON() as OutgoingHttpHeaders,
        agent,
      },
      (res) => receive(config, req, res, outcome),
    );
    req.on('error', (error) => outcome.fail(AxiosError.from(error, undefined, config, req)));
    const timeout = Number(config.timeout) || 0;
    if (timeout > 0) {
      timer = setTimeout(() => {
        outcome.fail(
          new AxiosError(
            config.timeoutErrorMessage ?? `timeout of ${timeout}ms exceeded`,
            config.transitional?.clarifyTimeoutError
              ? AxiosError.ETIMEDOUT
              : AxiosError.ECONNABORTED,
            config,
            req,
          ),
        );
        req.destroy();
      }, timeout);
    }
    req.end(body);
  });
}

interface Outcome {
  succeed(response: AxiosResponse<string>): void;
  fail(error: AxiosError): void;
}

/** Reads the answer as text and settles it as axios' adapter does (validateStatus). */
function receive(
  config: InternalAxiosRequestConfig,
  req: ClientRequest,
  res: IncomingMessage,
  outcome: Outcome,
): void {
  const response: AxiosResponse<string> = {
    data: '',
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? '',
    headers: res.headers,
    config,
    request: req,
  };
  const chunks: Buffer[] = [];
  let ended = false;
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('error', (error) =>
    outcome.fail(AxiosError.from(error, undefined, config, req, response)),
  );
  res.on('close', () => {
    if (ended) return;
    outcome.fail(
      new AxiosError('stream has been aborted', AxiosError.ERR_BAD_RESPONSE, config, req, response),
    );
  });
  res.on('end', () => {
    ended = true;
    const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const text = raw.toString((config.responseEncoding ?? 'utf8') as BufferEncoding);
    response.data = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    const valid = config.validateStatus;
    if (!response.status || !valid || valid(response.status)) {
      outcome.succeed(response);
      return;
    }
    outcome.fail(
      new AxiosError(
        `Request failed with status code ${response.status}`,
        response.status >= 400 && response.status < 500
          ? AxiosError.ERR_BAD_REQUEST
          : AxiosError.ERR_BAD_RESPONSE,
        config,
        req,
        response,
      ),
    );
  });
}
