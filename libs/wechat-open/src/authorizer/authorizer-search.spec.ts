import { describe, expect, it } from 'vitest';
import { WechatOpenError } from '../errors/wechat-open.error.js';
import { checkSearch, decodeCursor, encodeCursor, escapeLike } from './authorizer-search.js';
import { AuthorizerSearch } from './authorizer.types.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof WechatOpenError ? error.code : 'other';
  }
  return undefined;
}

const position = {
  key: '2025-01-02T03:04:05.123456Z',
  componentAppid: 'wxc1',
  authorizerAppid: 'wxa1',
};

describe('checkSearch', () => {
  it('applies the defaults: authorizedAt desc, 50', () => {
    expect(checkSearch({})).toMatchObject({ sort: 'authorizedAt', order: 'desc', limit: 50 });
  });

  it('makes the text a literal substring pattern', () => {
    expect(escapeLike('100%_a\\b')).toBe('100\\%\\_a\\\\b');
    expect(checkSearch({ text: 'a_b' }).textPattern).toBe('%a\\_b%');
    expect(checkSearch({ text: '' }).textPattern).toBeUndefined();
  });

  it('refuses what is out of range with INVALID_QUERY', () => {
    const bad: AuthorizerSearch[] = [
      { limit: 0 },
      { limit: 201 },
      { limit: 1.5 },
      { sort: 'tenantId' as never },
      { order: 'up' as never },
      { statuses: ['gone' as never] },
      { accountKind: 'robot' as never },
      { permissionSetId: -1 },
      { text: 'x'.repeat(201) },
    ];
    for (const q of bad)
      expect(
        codeOf(() => checkSearch(q)),
        JSON.stringify(q),
      ).toBe('INVALID_QUERY');
  });
});

describe('search cursors', () => {
  it('round-trip for the sort and order they were made for', () => {
    const cursor = encodeCursor('authorizedAt', 'asc', position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'authorizedAt', 'asc')).toEqual(position);
    const nulls = { ...position, key: null };
    expect(decodeCursor(encodeCursor('nickName', 'desc', nulls), 'nickName', 'desc')).toEqual(
      nulls,
    );
  });

  it('refuse another sort or order, and anything malformed, with INVALID_CURSOR', () => {
    const cursor = encodeCursor('authorizedAt', 'asc', position);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const bad = [
      () => decodeCursor(cursor, 'authorizedAt', 'desc'),
      () => decodeCursor(cursor, 'updatedAt', 'asc'),
      () => decodeCursor('not a cursor!', 'authorizedAt', 'asc'),
      () => decodeCursor('', 'authorizedAt', 'asc'),
      () => decodeCursor('x'.repeat(3000), 'authorizedAt', 'asc'),
      () => decodeCursor(Buffer.from('{').toString('base64url'), 'authorizedAt', 'asc'),
      () => decodeCursor(b64({ a: 1 }), 'authorizedAt', 'asc'),
      () => decodeCursor(b64([2, 'authorizedAt', 'asc', null, 'c', 'a']), 'authorizedAt', 'asc'),
      () => decodeCursor(b64([1, 'authorizedAt', 'asc', 5, 'c', 'a']), 'authorizedAt', 'asc'),
      () => decodeCursor(b64([1, 'authorizedAt', 'asc', null, '', 'a']), 'authorizedAt', 'asc'),
      // A timestamp PostgreSQL would refuse (a 500) is refused here.
      () =>
        decodeCursor(b64([1, 'authorizedAt', 'asc', 'yesterday', 'c', 'a']), 'authorizedAt', 'asc'),
      () =>
        decodeCursor(
          b64([1, 'updatedAt', 'asc', '2025-13-40T00:00:00.000000Z', 'c', 'a']),
          'updatedAt',
          'asc',
        ),
    ];
    for (const fn of bad) expect(codeOf(fn)).toBe('INVALID_CURSOR');
  });
});
