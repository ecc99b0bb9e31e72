import { Injectable } from '@nestjs/common';
import { SandboxClock } from '../common/sandbox.clock.js';
import { SettingsStore } from './settings.store.js';

/** What WeChat keeps of a call that answered with an errcode, for getRidInfo. */
export interface RidRecord {
  rid: string;
  endpoint: string;
  /** Whose call it was (the token's owner, else the body's component_appid): who may look it up. */
  componentAppid?: string;
  authorizerAppid?: string;
  atMs: number;
  costMs: number;
  /** The query string, as WeChat echoes it (token included). */
  requestUrl: string;
  requestBody: string;
  responseBody: string;
  clientIp: string;
}

/** Calls remembered at most; the oldest are forgotten first. */
const MAX_RIDS = 10_000;

/** The rids of error answers, kept `ridTtlSec` (WeChat: 7 days), for openapi/rid/get. */
@Injectable()
export class RidStore {
  private rids = new Map<string, RidRecord>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly settings: SettingsStore,
  ) {}

  remember(record: RidRecord): void {
    this.rids.set(record.rid, record);
    if (this.rids.size > MAX_RIDS) this.rids.delete(this.rids.keys().next().value!);
  }

  /** The record, or undefined when unknown or older than ridTtlSec (then forgotten). */
  find(rid: string): RidRecord | undefined {
    const record = this.rids.get(rid);
    if (!record) return undefined;
    if (this.clock.nowMs() >= record.atMs + this.settings.current.ridTtlSec * 1000) {
      this.rids.delete(rid);
      return undefined;
    }
    return record;
  }

  reset(): void {
    this.rids = new Map();
  }
}
