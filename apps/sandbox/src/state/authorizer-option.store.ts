import { Injectable } from '@nestjs/common';
import { SandboxApiError } from '../common/sandbox-api.error.js';

const AUTHORIZER_OPTIONS: Record<string, readonly string[]> = {
  location_report: ['0', '1', '2'],
  voice_recognize: ['0', '1'],
  customer_service: ['0', '1'],
};

/** The options of each account (api_get/set_authorizer_option): name, allowed values, value. */
@Injectable()
export class AuthorizerOptionStore {
  private options = new Map<string, Map<string, string>>();

  get(authorizerAppid: string, name: string): string {
    if (!(name in AUTHORIZER_OPTIONS)) throw new SandboxApiError(40097, `unknown option ${name}`);
    return this.options.get(authorizerAppid)?.get(name) ?? '0';
  }

  set(authorizerAppid: string, name: string, value: string): void {
    const allowed = AUTHORIZER_OPTIONS[name];
    if (!allowed) throw new SandboxApiError(40097, `unknown option ${name}`);
    if (!allowed.includes(value)) throw new SandboxApiError(40097, `invalid value for ${name}`);
    let perAccount = this.options.get(authorizerAppid);
    if (!perAccount) this.options.set(authorizerAppid, (perAccount = new Map<string, string>()));
    perAccount.set(name, value);
  }

  reset(): void {
    this.options = new Map();
  }
}
