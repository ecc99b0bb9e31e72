import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SandboxApiError } from '../common/sandbox-api.error.js';
import { SandboxClock } from '../common/sandbox.clock.js';
import {
  AccountKind,
  DEFAULT_SETTINGS,
  SANDBOX_OPTIONS,
  SandboxAccountInput,
  SandboxComponentConfig,
  SandboxOptions,
  SandboxSettings,
} from '../sandbox.options.js';
import { InvalidTokenReason, SandboxCounters } from './sandbox-counters.service.js';

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

export interface Authorization {
  componentAppid: string;
  authorizerAppid: string;
  status: 'authorized' | 'revoked';
  funcInfo: number[];
  refreshToken: string;
  /** Unix seconds of the last (re-)authorization. */
  authTime: number;
  /** Bumped on every revoke, so tokens issued before it are recognised as revoked. */
  generation: number;
}

export interface IssuedToken {
  value: string;
  kind: 'component_access_token' | 'authorizer_access_token';
  componentAppid: string;
  authorizerAppid?: string;
  issuedAtMs: number;
  expiresAtMs: number;
  supersededAtMs?: number;
  invalidated?: boolean;
  generation?: number;
}

interface PreAuthCode {
  value: string;
  componentAppid: string;
  expiresAtMs: number;
  usedAtMs?: number;
}

export interface AuthCode {
  value: string;
  componentAppid: string;
  authorizerAppid: string;
  expiresAtMs: number;
  usedAtMs?: number;
  generation: number;
}

interface PushedTicket {
  value: string;
  issuedAtMs: number;
}

export interface SentMessage {
  authorizerAppid: string;
  componentAppid: string;
  body: unknown;
  at: string;
}

const AUTHORIZER_OPTIONS: Record<string, readonly string[]> = {
  location_report: ['0', '1', '2'],
  voice_recognize: ['0', '1'],
  customer_service: ['0', '1'],
};
const CLEAR_QUOTA_PER_MONTH = 10;

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** Splits a token value for error details without echoing it whole. */
function head(value: string): string {
  return value.length > 12 ? `${value.slice(0, 12)}...` : value;
}

/**
 * The whole of WeChat's state as the sandbox sees it, in memory: components, fake accounts,
 * tickets, tokens, codes and authorizations, with WeChat's validity rules. Every refusal is a
 * SandboxApiError carrying WeChat's errcode.
 */
@Injectable()
export class SandboxStore {
  settings: SandboxSettings;
  private readonly components = new Map<string, SandboxComponentConfig>();
  private readonly accounts = new Map<string, SandboxAccount>();
  private tickets = new Map<string, PushedTicket[]>();
  private tokens = new Map<string, IssuedToken>();
  /** The newest token per owner (component appid, or `component/authorizer`). */
  private latestToken = new Map<string, IssuedToken>();
  private preAuthCodes = new Map<string, PreAuthCode>();
  private authCodes = new Map<string, AuthCode>();
  private authorizations = new Map<string, Authorization>();
  private options = new Map<string, Map<string, string>>();
  private clearQuotaUses = new Map<string, { month: string; count: number }>();
  private sentMessages: SentMessage[] = [];

  constructor(
    private readonly clock: SandboxClock,
    private readonly counters: SandboxCounters,
    @Inject(SANDBOX_OPTIONS) private readonly startOptions: SandboxOptions,
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...startOptions.settings };
    for (const c of startOptions.components ?? []) this.upsertComponent(c);
    for (const a of startOptions.accounts ?? []) this.upsertAccount(a);
  }

  // ---- configuration -------------------------------------------------------------------------

  upsertComponent(config: SandboxComponentConfig): SandboxComponentConfig {
    const copy = { ...config };
    this.components.set(config.appid, copy);
    return copy;
  }

  removeComponent(appid: string): boolean {
    return this.components.delete(appid);
  }

  listComponents(): SandboxComponentConfig[] {
    return [...this.components.values()];
  }

  component(appid: string): SandboxComponentConfig | undefined {
    return this.components.get(appid);
  }

  upsertAccount(input: SandboxAccountInput): SandboxAccount {
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

  listAccounts(): SandboxAccount[] {
    return [...this.accounts.values()];
  }

  account(appid: string): SandboxAccount | undefined {
    return this.accounts.get(appid);
  }

  updateSettings(patch: Partial<SandboxSettings>): SandboxSettings {
    this.settings = { ...this.settings, ...patch };
    return this.settings;
  }

  /** Forgets every ticket, token, code, authorization and option; keeps components and accounts. */
  resetRuntime(): void {
    this.settings = { ...DEFAULT_SETTINGS, ...this.startOptions.settings };
    this.tickets = new Map();
    this.tokens = new Map();
    this.latestToken = new Map();
    this.preAuthCodes = new Map();
    this.authCodes = new Map();
    this.authorizations = new Map();
    this.options = new Map();
    this.clearQuotaUses = new Map();
    this.sentMessages = [];
  }

  // ---- component_verify_ticket ---------------------------------------------------------------

  issueTicket(componentAppid: string): string {
    const value = `ticket@@@${randomToken(48)}`;
    const list = this.tickets.get(componentAppid) ?? [];
    list.push({ value, issuedAtMs: this.clock.nowMs() });
    // A ticket older than its lifetime can never be accepted again; drop it.
    const oldest = this.clock.nowMs() - this.settings.ticketTtlSec * 1000 * 2;
    this.tickets.set(
      componentAppid,
      list.filter((t) => t.issuedAtMs >= oldest),
    );
    this.counters.issued('component_verify_ticket');
    return value;
  }

  /** api_component_token's ticket rule: pushed to this component within the ticket lifetime. */
  checkTicket(componentAppid: string, value: string): void {
    const ticket = (this.tickets.get(componentAppid) ?? []).find((t) => t.value === value);
    if (!ticket) throw new SandboxApiError(61006, 'unknown component_verify_ticket');
    if (this.clock.nowMs() >= ticket.issuedAtMs + this.settings.ticketTtlSec * 1000) {
      throw new SandboxApiError(61005);
    }
  }

  // ---- access tokens -------------------------------------------------------------------------

  issueComponentToken(componentAppid: string): IssuedToken {
    const token = this.issueToken({
      value: `${randomToken(4)}_${randomToken(72)}`,
      kind: 'component_access_token',
      componentAppid,
      ttlSec: this.settings.componentTokenTtlSec,
      owner: componentAppid,
    });
    return token;
  }

  issueAuthorizerToken(authorization: Authorization): IssuedToken {
    return this.issueToken({
      value: `${randomToken(4)}_${randomToken(90)}`,
      kind: 'authorizer_access_token',
      componentAppid: authorization.componentAppid,
      authorizerAppid: authorization.authorizerAppid,
      generation: authorization.generation,
      ttlSec: this.settings.authorizerTokenTtlSec,
      owner: `${authorization.componentAppid}/${authorization.authorizerAppid}`,
    });
  }

  private issueToken(input: {
    value: string;
    kind: IssuedToken['kind'];
    componentAppid: string;
    authorizerAppid?: string;
    generation?: number;
    ttlSec: number;
    owner: string;
  }): IssuedToken {
    const now = this.clock.nowMs();
    const previous = this.latestToken.get(input.owner);
    if (previous && previous.supersededAtMs === undefined) previous.supersededAtMs = now;
    const token: IssuedToken = {
      value: input.value,
      kind: input.kind,
      componentAppid: input.componentAppid,
      authorizerAppid: input.authorizerAppid,
      generation: input.generation,
      issuedAtMs: now,
      expiresAtMs: now + input.ttlSec * 1000,
    };
    this.tokens.set(token.value, token);
    this.latestToken.set(input.owner, token);
    this.counters.issued(input.kind);
    this.sweepTokens(now);
    return token;
  }

  /** Drops tokens long past any chance of being valid, keeping memory flat under load. */
  private sweepTokens(now: number): void {
    if (this.tokens.size < 50_000) return;
    const horizon = now - 24 * 3600 * 1000;
    for (const [value, token] of this.tokens) {
      if (token.expiresAtMs < horizon) this.tokens.delete(value);
    }
  }

  /**
   * Validates a token presented to `endpoint`. `accept` lists the kinds this endpoint takes.
   * Refusals are recorded in invalidTokensPresented.
   */
  checkToken(
    endpoint: string,
    value: string | undefined,
    accept: readonly IssuedToken['kind'][],
  ): IssuedToken {
    if (value === undefined || value === '') throw new SandboxApiError(41001);
    const token = this.tokens.get(value);
    const refuse = (reason: InvalidTokenReason, errcode: number, appid?: string): never => {
      this.counters.invalidToken({
        endpoint,
        reason,
        tokenKind: token?.kind ?? accept[0],
        appid,
      });
      throw new SandboxApiError(errcode, `${reason} token ${head(value)}`);
    };
    if (!token || !accept.includes(token.kind)) return refuse('unknown', 40001);
    const appid = token.authorizerAppid ?? token.componentAppid;
    const now = this.clock.nowMs();
    if (token.kind === 'authorizer_access_token') {
      const auth = this.authorization(token.componentAppid, token.authorizerAppid!);
      if (!auth || auth.generation !== token.generation) {
        return refuse('revoked', auth?.status === 'revoked' ? 61003 : 40001, appid);
      }
    }
    if (token.invalidated) return refuse('invalidated', 40001, appid);
    if (now >= token.expiresAtMs) return refuse('expired', 42001, appid);
    if (
      token.supersededAtMs !== undefined &&
      now >= token.supersededAtMs + this.settings.tokenGraceSec * 1000
    ) {
      return refuse('superseded', 40001, appid);
    }
    return token;
  }

  /** Makes every live authorizer token of the account invalid now. Returns how many. */
  invalidateAuthorizerTokens(authorizerAppid: string): number {
    let count = 0;
    const now = this.clock.nowMs();
    for (const token of this.tokens.values()) {
      if (
        token.authorizerAppid === authorizerAppid &&
        !token.invalidated &&
        token.expiresAtMs > now
      ) {
        token.invalidated = true;
        count++;
      }
    }
    return count;
  }

  // ---- pre_auth_code and authorization codes -------------------------------------------------

  issuePreAuthCode(componentAppid: string): { value: string; expiresIn: number } {
    const expiresIn = this.settings.preAuthCodeTtlSec;
    const value = `preauthcode@@@${randomToken(48)}`;
    this.preAuthCodes.set(value, {
      value,
      componentAppid,
      expiresAtMs: this.clock.nowMs() + expiresIn * 1000,
    });
    this.counters.issued('pre_auth_code');
    return { value, expiresIn };
  }

  /** Throws 61009 (unknown, used, another component's) or 61010 (expired). */
  checkPreAuthCode(componentAppid: string, value: string): void {
    const code = this.preAuthCodes.get(value);
    if (!code || code.componentAppid !== componentAppid || code.usedAtMs !== undefined) {
      throw new SandboxApiError(61009, 'pre_auth_code is invalid or already used');
    }
    if (this.clock.nowMs() >= code.expiresAtMs) {
      throw new SandboxApiError(61010, 'pre_auth_code is expired');
    }
  }

  consumePreAuthCode(componentAppid: string, value: string): void {
    this.checkPreAuthCode(componentAppid, value);
    this.preAuthCodes.get(value)!.usedAtMs = this.clock.nowMs();
  }

  issueAuthCode(authorization: Authorization): AuthCode {
    const code: AuthCode = {
      value: `queryauthcode@@@${randomToken(60)}`,
      componentAppid: authorization.componentAppid,
      authorizerAppid: authorization.authorizerAppid,
      expiresAtMs: this.clock.nowMs() + this.settings.authCodeTtlSec * 1000,
      generation: authorization.generation,
    };
    this.authCodes.set(code.value, code);
    this.counters.issued('authorization_code');
    return code;
  }

  /** api_query_auth's single-use rule: 61009 unknown, used or foreign; 61010 expired. */
  consumeAuthCode(componentAppid: string, value: string): AuthCode {
    const code = this.authCodes.get(value);
    if (!code || code.componentAppid !== componentAppid || code.usedAtMs !== undefined) {
      throw new SandboxApiError(61009);
    }
    if (this.clock.nowMs() >= code.expiresAtMs) throw new SandboxApiError(61010);
    code.usedAtMs = this.clock.nowMs();
    return code;
  }

  // ---- authorizations --------------------------------------------------------------------------

  authorization(componentAppid: string, authorizerAppid: string): Authorization | undefined {
    return this.authorizations.get(`${componentAppid}/${authorizerAppid}`);
  }

  /** The live authorization, or 61003. */
  activeAuthorization(componentAppid: string, authorizerAppid: string): Authorization {
    const auth = this.authorization(componentAppid, authorizerAppid);
    if (!auth || auth.status !== 'authorized') throw new SandboxApiError(61003);
    return auth;
  }

  listAuthorizations(componentAppid: string): Authorization[] {
    return [...this.authorizations.values()].filter((a) => a.componentAppid === componentAppid);
  }

  /**
   * Grants (or re-grants) the sets. Returns the push WeChat sends: `authorized` for a new or
   * renewed authorization, `updateauthorized` when the sets changed, none when they did not.
   */
  authorize(
    componentAppid: string,
    authorizerAppid: string,
    funcInfo: number[],
  ): { authorization: Authorization; infoType: 'authorized' | 'updateauthorized' | null } {
    const key = `${componentAppid}/${authorizerAppid}`;
    const sets = [...new Set(funcInfo)].sort((a, b) => a - b);
    const existing = this.authorizations.get(key);
    const now = this.clock.nowSec();
    if (existing && existing.status === 'authorized') {
      const same = existing.funcInfo.join(',') === sets.join(',');
      existing.funcInfo = sets;
      existing.authTime = now;
      return { authorization: existing, infoType: same ? null : 'updateauthorized' };
    }
    const authorization: Authorization = {
      componentAppid,
      authorizerAppid,
      status: 'authorized',
      funcInfo: sets,
      // The refresh token changes only when the account authorizes anew (§10.2).
      refreshToken: `refreshtoken@@@${randomToken(48)}`,
      authTime: now,
      generation: (existing?.generation ?? 0) + 1,
    };
    this.authorizations.set(key, authorization);
    this.counters.issued('authorizer_refresh_token');
    return { authorization, infoType: 'authorized' };
  }

  revoke(componentAppid: string, authorizerAppid: string): Authorization {
    const auth = this.activeAuthorization(componentAppid, authorizerAppid);
    auth.status = 'revoked';
    auth.generation += 1;
    this.latestToken.delete(`${componentAppid}/${authorizerAppid}`);
    return auth;
  }

  /** api_authorizer_token: 61003 if not authorized, 61023 if the refresh token is not current. */
  checkRefreshToken(componentAppid: string, authorizerAppid: string, value: string): Authorization {
    const auth = this.activeAuthorization(componentAppid, authorizerAppid);
    if (auth.refreshToken !== value) throw new SandboxApiError(61023);
    return auth;
  }

  // ---- account-level things --------------------------------------------------------------------

  getOption(authorizerAppid: string, name: string): string {
    if (!(name in AUTHORIZER_OPTIONS)) throw new SandboxApiError(40097, `unknown option ${name}`);
    return this.options.get(authorizerAppid)?.get(name) ?? '0';
  }

  setOption(authorizerAppid: string, name: string, value: string): void {
    const allowed = AUTHORIZER_OPTIONS[name];
    if (!allowed) throw new SandboxApiError(40097, `unknown option ${name}`);
    if (!allowed.includes(value)) throw new SandboxApiError(40097, `invalid value for ${name}`);
    let perAccount = this.options.get(authorizerAppid);
    if (!perAccount) this.options.set(authorizerAppid, (perAccount = new Map<string, string>()));
    perAccount.set(name, value);
  }

  /** Ten resets per appid per calendar month (§4.10), then 48006. */
  useClearQuota(appid: string): void {
    const month = this.clock.now().toISOString().slice(0, 7);
    const use = this.clearQuotaUses.get(appid);
    const count = use && use.month === month ? use.count : 0;
    if (count >= CLEAR_QUOTA_PER_MONTH) throw new SandboxApiError(48006);
    this.clearQuotaUses.set(appid, { month, count: count + 1 });
  }

  issueJsTicket(type: 'jsapi' | 'wx_card'): { ticket: string; expiresIn: number } {
    this.counters.issued(type === 'jsapi' ? 'jsapi_ticket' : 'wx_card_ticket');
    return { ticket: randomToken(64), expiresIn: this.settings.jsapiTicketTtlSec };
  }

  recordSentMessage(message: Omit<SentMessage, 'at'>): void {
    this.sentMessages.push({ ...message, at: this.clock.now().toISOString() });
    if (this.sentMessages.length > 1000) this.sentMessages.shift();
  }

  listSentMessages(authorizerAppid?: string): SentMessage[] {
    return this.sentMessages.filter(
      (m) => authorizerAppid === undefined || m.authorizerAppid === authorizerAppid,
    );
  }
}
