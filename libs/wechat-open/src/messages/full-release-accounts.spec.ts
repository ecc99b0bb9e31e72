import { describe, expect, it } from 'vitest';
import { FULL_RELEASE_TEST_ACCOUNTS, findFullReleaseTestAccount } from './full-release-accounts.js';

const OUTSIDER_APPID = 'wxa0000000000000ab';
const OUTSIDER_USER = 'gh_0000000000ab';

describe('FULL_RELEASE_TEST_ACCOUNTS', () => {
  it('holds the five groups of §6.2, one official account and one mini program each, all distinct', () => {
    for (const group of [1, 2, 3, 4, 5]) {
      const kinds = FULL_RELEASE_TEST_ACCOUNTS.filter((a) => a.group === group).map((a) => a.kind);
      expect(kinds.sort()).toEqual(['mini_program', 'official_account']);
    }
    expect(FULL_RELEASE_TEST_ACCOUNTS).toHaveLength(10);
    expect(new Set(FULL_RELEASE_TEST_ACCOUNTS.map((a) => a.appid)).size).toBe(10);
    expect(new Set(FULL_RELEASE_TEST_ACCOUNTS.map((a) => a.userName)).size).toBe(10);
  });
});

describe('findFullReleaseTestAccount', () => {
  it.each(FULL_RELEASE_TEST_ACCOUNTS.map((a) => [a.group, a.kind, a]))(
    'recognises group %i %s by the URL appid, whatever ToUserName says',
    (_group, _kind, account) => {
      expect(findFullReleaseTestAccount(account.appid, account.userName)).toBe(account);
      expect(findFullReleaseTestAccount(account.appid, OUTSIDER_USER)).toBe(account);
    },
  );

  it.each(FULL_RELEASE_TEST_ACCOUNTS.map((a) => [a.group, a.kind, a]))(
    "recognises group %i %s by ToUserName when the URL's appid is not a test account's",
    (_group, _kind, account) => {
      expect(findFullReleaseTestAccount(OUTSIDER_APPID, account.userName)).toBe(account);
      // Whatever the URL's appid segment holds (a console URL without the placeholder, say).
      expect(findFullReleaseTestAccount('$APPID$', account.userName)).toBe(account);
      expect(findFullReleaseTestAccount('', account.userName)).toBe(account);
    },
  );

  it('prefers the URL appid when it and ToUserName name different test accounts', () => {
    // The English page gives group 2's official account group 4's user name (§6.2): a message
    // for group 2's appid with that name is group 2's.
    const found = findFullReleaseTestAccount('wx9252c5e0bb1836fc', 'gh_26128078e9ab');
    expect(found).toMatchObject({ group: 2, kind: 'official_account' });
    // And the Chinese page's name alone finds group 2 as well.
    expect(findFullReleaseTestAccount(OUTSIDER_APPID, 'gh_c0f28a78b318')).toMatchObject({
      group: 2,
      kind: 'official_account',
    });
  });

  it('recognises nobody else: exact appid and user name only', () => {
    expect(findFullReleaseTestAccount(OUTSIDER_APPID, OUTSIDER_USER)).toBeUndefined();
    expect(findFullReleaseTestAccount('', '')).toBeUndefined();
    // Neither a different case nor a prefix of a test account's names.
    expect(findFullReleaseTestAccount('WX570BC396A51B8FF8', 'GH_3C884A361561')).toBeUndefined();
    expect(findFullReleaseTestAccount('wx570bc396a51b8ff', 'gh_3c884a36156')).toBeUndefined();
    expect(findFullReleaseTestAccount(OUTSIDER_APPID, ' gh_3c884a361561')).toBeUndefined();
  });
});
