import type { AccountKind } from '../authorizer/authorizer.types.js';

/** One of WeChat's test accounts for the full-release (全网发布) robot test. */
export interface FullReleaseTestAccount {
  group: number;
  kind: AccountKind;
  appid: string;
  /** The original id (`gh_...`) WeChat sends as ToUserName. */
  userName: string;
}

/**
 * The five groups of test accounts WeChat's robot picks from (wechat-protocol.md §6.2, the
 * Chinese page, which is authoritative: group 2's OA is gh_c0f28a78b318). All five are needed:
 * the test picks a group at random.
 */
export const FULL_RELEASE_TEST_ACCOUNTS: readonly FullReleaseTestAccount[] = [
  { group: 1, kind: 'official_account', appid: 'wx570bc396a51b8ff8', userName: 'gh_3c884a361561' },
  { group: 1, kind: 'mini_program', appid: 'wxd101a85aa106f53e', userName: 'gh_8dad206e9538' },
  { group: 2, kind: 'official_account', appid: 'wx9252c5e0bb1836fc', userName: 'gh_c0f28a78b318' },
  { group: 2, kind: 'mini_program', appid: 'wxc39235c15087f6f3', userName: 'gh_905ae9d01059' },
  { group: 3, kind: 'official_account', appid: 'wx8e1097c5bc82cde9', userName: 'gh_3f222ed8d140' },
  { group: 3, kind: 'mini_program', appid: 'wx7720d01d4b2a4500', userName: 'gh_393666f1fdf4' },
  { group: 4, kind: 'official_account', appid: 'wx14550af28c71a144', userName: 'gh_26128078e9ab' },
  { group: 4, kind: 'mini_program', appid: 'wx05d483572dcd5d8b', userName: 'gh_39abb5d4e1b7' },
  { group: 5, kind: 'official_account', appid: 'wxa35b9c23cfe664eb', userName: 'gh_2b3713f184a6' },
  { group: 5, kind: 'mini_program', appid: 'wx5910277cae6fd970', userName: 'gh_7818dcb60240' },
];

/** The test account a message is for: by the URL's appid, else by its ToUserName. */
export function findFullReleaseTestAccount(
  authorizerAppid: string,
  toUserName: string,
): FullReleaseTestAccount | undefined {
  return (
    FULL_RELEASE_TEST_ACCOUNTS.find((a) => a.appid === authorizerAppid) ??
    FULL_RELEASE_TEST_ACCOUNTS.find((a) => a.userName === toUserName)
  );
}
