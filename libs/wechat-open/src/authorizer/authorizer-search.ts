import { InvalidCursorError, InvalidQueryError } from './authorizer.errors.js';
import {
  AccountKind,
  AuthorizerSearch,
  AuthorizerSortKey,
  AuthorizerStatus,
} from './authorizer.types.js';

export const SEARCH_DEFAULT_LIMIT = 50;
export const SEARCH_MAX_LIMIT = 200;
/** Longest text filter and cursor accepted: both come from query strings. */
const MAX_TEXT = 200;
const MAX_CURSOR = 2048;

const SORTS: readonly AuthorizerSortKey[] = ['authorizedAt', 'updatedAt', 'nickName'];
const ORDERS = ['asc', 'desc'] as const;
const STATUSES: readonly AuthorizerStatus[] = ['authorized', 'revoked', 'needs_reauth', 'detached'];
const KINDS: readonly AccountKind[] = ['official_account', 'mini_program'];

/** Where the previous page ended: its last row's sort value (as text) and key. */
export interface SearchPosition {
  /** The sort value as PostgreSQL printed it (timestamps to the microsecond), or null. */
  key: string | null;
  componentAppid: string;
  authorizerAppid: string;
}

/** A search with its defaults applied, checked, and its cursor decoded. */
export interface CheckedSearch {
  tenantId?: string;
  componentAppid?: string;
  statuses?: AuthorizerStatus[];
  accountKind?: AccountKind;
  permissionSetId?: number;
  /** The LIKE pattern of the text filter (`%`, `_` and `\` escaped, wrapped in `%`). */
  textPattern?: string;
  sort: AuthorizerSortKey;
  order: 'asc' | 'desc';
  limit: number;
  after?: SearchPosition;
}

/** Checks a search from outside (query strings) and applies its defaults; throws INVALID_*. */
export function checkSearch(q: AuthorizerSearch): CheckedSearch {
  const sort = q.sort ?? 'authorizedAt';
  const order = q.order ?? 'desc';
  const limit = q.limit ?? SEARCH_DEFAULT_LIMIT;
  if (!SORTS.includes(sort)) throw new InvalidQueryError('sort', `one of ${SORTS.join(', ')}`);
  if (!ORDERS.includes(order)) throw new InvalidQueryError('order', 'asc or desc');
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_MAX_LIMIT)
    throw new InvalidQueryError('limit', `an integer from 1 to ${SEARCH_MAX_LIMIT}`);
  const statuses = q.statuses?.length ? [...new Set(q.statuses)] : undefined;
  if (statuses?.some((s) => !STATUSES.includes(s)))
    throw new InvalidQueryError('statuses', `each one of ${STATUSES.join(', ')}`);
  if (q.accountKind !== undefined && !KINDS.includes(q.accountKind))
    throw new InvalidQueryError('accountKind', `one of ${KINDS.join(', ')}`);
  const perm = q.permissionSetId;
  if (perm !== undefined && !(Number.isInteger(perm) && perm >= 0 && perm <= 2 ** 31 - 1))
    throw new InvalidQueryError('permissionSetId', 'a permission set id (integer)');
  for (const field of ['tenantId', 'componentAppid', 'text'] as const) {
    const v = q[field];
    if (v !== undefined && (typeof v !== 'string' || v.length > MAX_TEXT))
      throw new InvalidQueryError(field, `a string of at most ${MAX_TEXT} characters`);
  }
  return {
    tenantId: q.tenantId,
    componentAppid: q.componentAppid,
    statuses,
    accountKind: q.accountKind,
    permissionSetId: perm,
    textPattern: q.text ? `%${escapeLike(q.text)}%` : undefined,
    sort,
    order,
    limit,
    after: q.cursor === undefined ? undefined : decodeCursor(q.cursor, sort, order),
  };
}

/** `text` as a literal inside a LIKE pattern whose ESCAPE is `\`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A timestamp sort value, as the repository prints it (UTC, microseconds). */
const TIMESTAMP_KEY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$/;

/** The cursor's JSON: version, sort, order, then the position. */
type CursorJson = [1, AuthorizerSortKey, 'asc' | 'desc', string | null, string, string];

/** An opaque cursor (base64url of JSON) bound to the sort and order it was made for. */
export function encodeCursor(
  sort: AuthorizerSortKey,
  order: 'asc' | 'desc',
  p: SearchPosition,
): string {
  const json: CursorJson = [1, sort, order, p.key, p.componentAppid, p.authorizerAppid];
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/** The position a cursor holds; INVALID_CURSOR when malformed or made for another sort/order. */
export function decodeCursor(
  cursor: unknown,
  sort: AuthorizerSortKey,
  order: 'asc' | 'desc',
): SearchPosition {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,2048}$/.test(cursor))
    throw new InvalidCursorError(`not a cursor (base64url, at most ${MAX_CURSOR} characters)`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('not a cursor');
  }
  const str = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (
    !Array.isArray(json) ||
    json.length !== 6 ||
    json[0] !== 1 ||
    !(json[3] === null || typeof json[3] === 'string') ||
    !str(json[4]) ||
    !str(json[5])
  )
    throw new InvalidCursorError('not a cursor');
  const [, s, o, key, componentAppid, authorizerAppid] = json as CursorJson;
  if (s !== sort || o !== order)
    throw new InvalidCursorError(`made for sort ${String(s)} ${String(o)}, not ${sort} ${order}`);
  // A timestamp goes back to PostgreSQL as it came out: anything else would fail there (500).
  if (
    sort !== 'nickName' &&
    key !== null &&
    !(TIMESTAMP_KEY.test(key) && Number.isFinite(Date.parse(key)))
  )
    throw new InvalidCursorError('not a cursor');
  return { key, componentAppid, authorizerAppid };
}
