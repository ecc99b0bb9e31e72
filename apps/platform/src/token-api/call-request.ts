import { ApiError } from '../common/api-error.js';

/**
 * The first path segments a call may go to: the account-level API families of WeChat's API
 * host (official accounts, mini programs, cards, shops, customer service, cloud base).
 */
export const CALL_PATH_FAMILIES = [
  'cgi-bin',
  'wxa',
  'sns',
  'datacube',
  'wxaapi',
  'card',
  'merchant',
  'shop',
  'product',
  'customservice',
  'tcb',
] as const;

/**
 * Paths that are never called for a service even inside those families: the component's own API
 * (`component` anywhere in the path: `/cgi-bin/component/...`, `/sns/oauth2/component/...`),
 * tokens minted from an app secret (`/cgi-bin/token`, `/cgi-bin/stable_token`), and the JS-SDK
 * tickets the platform owns (a fresh getticket would retire the one it keeps: use the jssdk-config
 * route).
 */
const REFUSED_PATHS: readonly RegExp[] = [
  /(^|\/)component(\/|$)/i,
  /^\/cgi-bin\/(token|stable_token)$/i,
  /^\/cgi-bin\/ticket(\/|$)/i,
];

const SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;
const QUERY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Added by the platform, never given by a caller. */
const TOKEN_PARAMS = new Set(['access_token', 'component_access_token', 'authorizer_access_token']);
const MAX_PATH = 256;
const MAX_QUERY_PARAMS = 32;
const MAX_QUERY_VALUE = 2048;

export interface CallRequest {
  method: 'GET' | 'POST';
  path: string;
  query: Record<string, string>;
  body?: Record<string, unknown>;
}

const pathRefused = (why: string) => new ApiError(400, 'CALL_PATH_NOT_ALLOWED', `path ${why}`);
const queryRefused = (why: string) => new ApiError(400, 'CALL_QUERY_NOT_ALLOWED', `query ${why}`);

/**
 * Checks a call a service asks the platform to make on an account's behalf: an absolute path of
 * an allowed family on WeChat's API host, plain segments only (no `..`, `//`, `%`, scheme, host,
 * query or fragment), a flat query of strings without any token, a JSON object body on POST only.
 * Every refusal is a 400 with a stable code.
 */
export function checkCallRequest(input: {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, unknown>;
  body?: Record<string, unknown>;
}): CallRequest {
  const { path } = input;
  if (path.length > MAX_PATH) throw pathRefused(`is longer than ${MAX_PATH} characters`);
  if (!path.startsWith('/') || path.startsWith('//'))
    throw pathRefused("must be an absolute path on WeChat's API host, like /cgi-bin/user/info");
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') throw pathRefused('has an empty segment (// or a trailing /)');
    if (segment === '.' || segment === '..') throw pathRefused('has a . or .. segment');
    if (!SEGMENT.test(segment))
      throw pathRefused('segments may hold only letters, digits, _, . and - (no query, no %)');
  }
  if (segments.length < 2 || !(CALL_PATH_FAMILIES as readonly string[]).includes(segments[0]))
    throw pathRefused(`must start with one of /${CALL_PATH_FAMILIES.join('/, /')}/`);
  if (REFUSED_PATHS.some((r) => r.test(path)))
    throw pathRefused('is reserved to the platform (component API, app-secret tokens, tickets)');

  const entries = Object.entries(input.query ?? {});
  if (entries.length > MAX_QUERY_PARAMS)
    throw queryRefused(`has more than ${MAX_QUERY_PARAMS} parameters`);
  for (const [name, value] of entries) {
    if (!QUERY_NAME.test(name)) throw queryRefused(`parameter names are 1-64 of A-Z a-z 0-9 _ . -`);
    if (TOKEN_PARAMS.has(name.toLowerCase()))
      throw queryRefused(`must not carry ${name}: the platform adds the token`);
    if (typeof value !== 'string' || value.length > MAX_QUERY_VALUE)
      throw queryRefused(`values are strings of at most ${MAX_QUERY_VALUE} characters`);
  }
  // fromEntries defines own properties: a parameter named __proto__ stays a parameter.
  const query = Object.fromEntries(entries) as Record<string, string>;
  if (input.method === 'GET' && input.body !== undefined)
    throw new ApiError(400, 'CALL_BODY_NOT_ALLOWED', 'a GET call has no body');
  return {
    method: input.method,
    path,
    query,
    ...(input.body !== undefined ? { body: input.body } : {}),
  };
}
