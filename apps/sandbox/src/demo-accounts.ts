import type { SandboxAccountInput } from './sandbox.options.js';

/** A few fake accounts for a first run: two official accounts and a mini program. */
export const DEMO_ACCOUNTS: readonly SandboxAccountInput[] = Object.freeze([
  {
    appid: 'wx00000000demo0a01',
    userName: 'gh_demo0a01',
    nickName: 'Demo Coffee (official account)',
    kind: 'official_account',
    principalName: 'Demo Coffee Ltd',
    serviceType: 2,
    verifyType: 0,
  },
  {
    appid: 'wx00000000demo0a02',
    userName: 'gh_demo0a02',
    nickName: 'Demo Books (official account)',
    kind: 'official_account',
    principalName: 'Demo Books Ltd',
    serviceType: 0,
    verifyType: -1,
  },
  {
    appid: 'wx00000000demo0b01',
    userName: 'gh_demo0b01',
    nickName: 'Demo Shop (mini program)',
    kind: 'mini_program',
    principalName: 'Demo Coffee Ltd',
    serviceType: 0,
    verifyType: 0,
  },
]);

/** Adds the demo accounts to a running sandbox through its control API. */
export async function seedDemo(
  sandboxUrl: string,
  accounts: readonly SandboxAccountInput[] = DEMO_ACCOUNTS,
): Promise<void> {
  for (const account of accounts) {
    const response = await fetch(`${sandboxUrl}/sandbox/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
    if (!response.ok) {
      throw new Error(
        `seeding ${account.appid} failed: HTTP ${response.status} ${await response.text()}`,
      );
    }
  }
}
