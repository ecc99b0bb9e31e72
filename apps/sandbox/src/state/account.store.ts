import { Inject, Injectable } from '@nestjs/common';
import {
  AccountKind,
  SANDBOX_OPTIONS,
  SandboxAccountInput,
  SandboxOptions,
} from '../sandbox.options.js';

/** Permission sets an account can grant when its config does not say (legacy ids of §4.5). */
export const DEFAULT_FUNC_INFO: Record<AccountKind, number[]> = {
  official_account: [1, 2, 3, 4, 6, 7, 11, 15, 24],
  mini_program: [17, 18, 19, 20, 21, 25],
};

export interface SandboxAccount {
  appid: string;
  userName: string;
  nickName: string;
  kind: AccountKind;
  principalName: string;
  serviceType: number;
  verifyType: number;
  headImg: string;
  alias: string;
  signature: string;
  accountStatus: number;
  funcInfo: number[];
}

/**
 * The fake WeChat accounts (official accounts and mini programs) that can authorize components.
 * Seeded from the start-up options; survives a runtime reset.
 */
@Injectable()
export class AccountStore {
  private readonly accounts = new Map<string, SandboxAccount>();

  constructor(@Inject(SANDBOX_OPTIONS) startOptions: SandboxOptions) {
    for (const a of startOptions.accounts ?? []) this.upsert(a);
  }

  upsert(input: SandboxAccountInput): SandboxAccount {
    const account: SandboxAccount = {
      appid: input.appid,
      userName: input.userName,
      nickName: input.nickName,
      kind: input.kind,
      principalName: input.principalName,
      serviceType: input.serviceType ?? (input.kind === 'official_account' ? 2 : 0),
      verifyType: input.verifyType ?? 0,
      headImg: input.headImg ?? `http://wx.qlogo.cn/mmopen/sandbox/${input.appid}/0`,
      alias: input.alias ?? '',
      signature: input.signature ?? '',
      accountStatus: input.accountStatus ?? 1,
      funcInfo: [...(input.funcInfo ?? DEFAULT_FUNC_INFO[input.kind])],
    };
    this.accounts.set(account.appid, account);
    return account;
  }

  list(): SandboxAccount[] {
    return [...this.accounts.values()];
  }

  get(appid: string): SandboxAccount | undefined {
    return this.accounts.get(appid);
  }
}
