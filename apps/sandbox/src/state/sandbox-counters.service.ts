import { Injectable } from '@nestjs/common';
import { SandboxClock } from '../common/sandbox.clock.js';

export type TokenKind =
  | 'component_access_token'
  | 'authorizer_access_token'
  | 'jsapi_ticket'
  | 'wx_card_ticket'
  | 'pre_auth_code'
  | 'authorization_code'
  | 'authorizer_refresh_token'
  | 'component_verify_ticket';

/**
 * Why a presented token was refused. `expired` and `superseded` are the caller's fault;
 * `unknown` usually is; `invalidated` (control API) and `revoked` (account revoked) are not.
 */
export type InvalidTokenReason =
  'expired' | 'unknown' | 'superseded' | 'invalidated' | 'revoked' | 'reauthorized';

export interface InvalidTokenPresented {
  endpoint: string;
  reason: InvalidTokenReason;
  tokenKind: 'component_access_token' | 'authorizer_access_token';
  /** The component or authorizer appid the token belonged to, when known. */
  appid?: string;
  at: string;
}

/** `event`: any other InfoType (control API push-event); the record's infoType names it. */
export type PushKind =
  | 'component_verify_ticket'
  | 'authorized'
  | 'updateauthorized'
  | 'unauthorized'
  | 'message'
  | 'event';

export type PushOutcome = 'delivered' | 'failed' | 'bad_reply' | 'no_url';

/** One push as WeChat would log it; no secrets, no ciphertext. */
export interface PushRecord {
  id: number;
  kind: PushKind;
  /** The InfoType of a push of kind `event`. */
  infoType?: string;
  componentAppid: string;
  authorizerAppid?: string;
  target: string;
  attempts: number;
  outcome: PushOutcome;
  /** HTTP status of the last attempt, if it got one. */
  lastStatus?: number;
  /** Why the last attempt failed (timeout, connection refused, body was not `success`, ...). */
  lastError?: string;
  at: string;
  finishedAt?: string;
}

/** GET /sandbox/counters. */
export interface SandboxCountersSnapshot {
  calls: Record<string, number>;
  callsByAccount: Record<string, Record<string, number>>;
  tokensIssued: Partial<Record<TokenKind, number>>;
  errcodes: Record<string, number>;
  errcodesByEndpoint: Record<string, Record<string, number>>;
  invalidTokensPresented: InvalidTokenPresented[];
  pushes: PushRecord[];
  pushTotals: Partial<Record<PushKind, Record<PushOutcome, number>>>;
}

const MAX_INVALID = 1000;
const MAX_PUSHES = 200;

/** Everything tests and benchmarks assert on: calls, issues, errors served and pushes. */
@Injectable()
export class SandboxCounters {
  private calls = new Map<string, number>();
  private callsByAccount = new Map<string, Map<string, number>>();
  private tokensIssued = new Map<string, number>();
  private errcodes = new Map<number, number>();
  private errcodesByEndpoint = new Map<string, Map<number, number>>();
  private invalid: InvalidTokenPresented[] = [];
  private pushes: PushRecord[] = [];
  private pushSeq = 0;
  private pushTotals = new Map<string, Record<PushOutcome, number>>();

  constructor(private readonly clock: SandboxClock) {}

  call(endpoint: string): void {
    this.calls.set(endpoint, (this.calls.get(endpoint) ?? 0) + 1);
  }

  callByAccount(endpoint: string, appid: string): void {
    let perAccount = this.callsByAccount.get(endpoint);
    if (!perAccount) this.callsByAccount.set(endpoint, (perAccount = new Map<string, number>()));
    perAccount.set(appid, (perAccount.get(appid) ?? 0) + 1);
  }

  issued(kind: TokenKind): void {
    this.tokensIssued.set(kind, (this.tokensIssued.get(kind) ?? 0) + 1);
  }

  errcode(endpoint: string, errcode: number): void {
    this.errcodes.set(errcode, (this.errcodes.get(errcode) ?? 0) + 1);
    let perEndpoint = this.errcodesByEndpoint.get(endpoint);
    if (!perEndpoint)
      this.errcodesByEndpoint.set(endpoint, (perEndpoint = new Map<number, number>()));
    perEndpoint.set(errcode, (perEndpoint.get(errcode) ?? 0) + 1);
  }

  invalidToken(entry: Omit<InvalidTokenPresented, 'at'>): void {
    this.invalid.push({ ...entry, at: this.clock.now().toISOString() });
    if (this.invalid.length > MAX_INVALID) this.invalid.shift();
  }

  startPush(entry: Omit<PushRecord, 'id' | 'at' | 'attempts' | 'outcome'>): PushRecord {
    const record: PushRecord = {
      ...entry,
      id: ++this.pushSeq,
      attempts: 0,
      outcome: 'failed',
      at: this.clock.now().toISOString(),
    };
    this.pushes.push(record);
    if (this.pushes.length > MAX_PUSHES) this.pushes.shift();
    return record;
  }

  finishPush(record: PushRecord): void {
    record.finishedAt = this.clock.now().toISOString();
    let totals = this.pushTotals.get(record.kind);
    if (!totals) {
      this.pushTotals.set(
        record.kind,
        (totals = { delivered: 0, failed: 0, bad_reply: 0, no_url: 0 }),
      );
    }
    totals[record.outcome] += 1;
  }

  snapshot(): SandboxCountersSnapshot {
    return {
      calls: Object.fromEntries(this.calls),
      callsByAccount: Object.fromEntries(
        [...this.callsByAccount].map(([k, v]) => [k, Object.fromEntries(v)]),
      ),
      tokensIssued: Object.fromEntries(this.tokensIssued),
      errcodes: Object.fromEntries(this.errcodes),
      errcodesByEndpoint: Object.fromEntries(
        [...this.errcodesByEndpoint].map(([k, v]) => [k, Object.fromEntries(v)]),
      ),
      invalidTokensPresented: [...this.invalid],
      pushes: this.pushes.map((p) => ({ ...p })),
      pushTotals: Object.fromEntries([...this.pushTotals].map(([k, v]) => [k, { ...v }])),
    };
  }

  reset(): void {
    this.calls.clear();
    this.callsByAccount.clear();
    this.tokensIssued.clear();
    this.errcodes.clear();
    this.errcodesByEndpoint.clear();
    this.invalid = [];
    this.pushes = [];
    this.pushTotals.clear();
  }
}
