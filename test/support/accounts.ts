import { randomBytes } from 'node:crypto';
import { AuthorizerService } from '@app/wechat-open';
import { eventually, TestPlatform, TestStack } from './stack.js';

export function newAccount(kind: 'official_account' | 'mini_program' = 'official_account') {
  const id = randomBytes(6).toString('hex');
  return {
    appid: `wxa${id}${kind === 'mini_program' ? 'm' : 'o'}`,
    userName: `gh_${id}`,
    nickName: `Account ${id}`,
    kind,
    principalName: `Principal ${id} Ltd`,
    serviceType: kind === 'official_account' ? 2 : 0,
    verifyType: 0,
  };
}

/**
 * Creates an account in the sandbox and authorizes it without a browser: the sandbox pushes
 * `authorized`, the platform redeems the code in its job queue; resolves when the record, its
 * token and its profile (fetched right after the redemption) are stored.
 */
export async function authorizeAccount(
  stack: TestStack,
  kind: 'official_account' | 'mini_program' = 'official_account',
  funcInfo?: number[],
  on: TestPlatform = stack.platform,
) {
  const account = newAccount(kind);
  await stack.sandbox.addAccount(account);
  await stack.sandbox.authorize(stack.component.appid, account.appid, funcInfo);
  const accounts = on.get(AuthorizerService);
  await eventually(async () => {
    const health = await accounts.tokenHealth(stack.component.appid, account.appid);
    const record = await accounts.find(stack.component.appid, account.appid);
    return health?.hasAccessToken && record?.profileRefreshedAt;
  });
  return account;
}
