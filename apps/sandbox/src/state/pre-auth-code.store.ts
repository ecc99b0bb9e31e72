import { Injectable } from '@nestjs/common';
import { SandboxApiError } from '../common/sandbox-api.error.js';
import { SandboxClock } from '../common/sandbox.clock.js';
import { randomToken } from './random-token.js';
import { SandboxCounters } from './sandbox-counters.service.js';
import { SettingsStore } from './settings.store.js';

interface PreAuthCode {
  value: string;
  componentAppid: string;
  expiresAtMs: number;
  usedAtMs?: number;
}

/** The pre_auth_codes issued to components, single use, spent by the authorization page. */
@Injectable()
export class PreAuthCodeStore {
  private codes = new Map<string, PreAuthCode>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly counters: SandboxCounters,
    private readonly settings: SettingsStore,
  ) {}

  issue(componentAppid: string): { value: string; expiresIn: number } {
    const expiresIn = this.settings.current.preAuthCodeTtlSec;
    const value = `preauthcode@@@${randomToken(48)}`;
    this.codes.set(value, {
      value,
      componentAppid,
      expiresAtMs: this.clock.nowMs() + expiresIn * 1000,
    });
    this.counters.issued('pre_auth_code');
    return { value, expiresIn };
  }

  /** Throws 61009 (unknown, used, another component's) or 61010 (expired). */
  check(componentAppid: string, value: string): void {
    const code = this.codes.get(value);
    if (!code || code.componentAppid !== componentAppid || code.usedAtMs !== undefined) {
      throw new SandboxApiError(61009, 'pre_auth_code is invalid or already used');
    }
    if (this.clock.nowMs() >= code.expiresAtMs) {
      throw new SandboxApiError(61010, 'pre_auth_code is expired');
    }
  }

  consume(componentAppid: string, value: string): void {
    this.check(componentAppid, value);
    this.codes.get(value)!.usedAtMs = this.clock.nowMs();
  }

  reset(): void {
    this.codes = new Map();
  }
}
