import { randomInt } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import {
  buildWechatXml,
  parseWechatXml,
  plainSignature,
  requireField,
  WechatMessageCrypto,
} from '@app/wechat-open';
import { SandboxClock } from '../common/sandbox.clock.js';
import { SandboxComponentConfig } from '../sandbox.options.js';
import {
  PushKind,
  PushOutcome,
  PushRecord,
  SandboxCounters,
} from '../state/sandbox-counters.service.js';
import { SandboxAccount } from '../state/account.store.js';
import { SettingsStore } from '../state/settings.store.js';

export interface PushResult {
  delivered: boolean;
  attempts: number;
  outcome: PushOutcome;
  record: PushRecord;
}

export interface MessagePushResult extends PushResult {
  /** The decrypted passive reply, when the receiver answered with an encrypted one. */
  reply?: string;
  /** The raw answer body of the last attempt (`success`, empty, or the reply envelope). */
  rawReply?: string;
}

type Verdict =
  | { kind: 'delivered'; reply?: string }
  | { kind: 'retry'; error: string }
  | { kind: 'bad_reply'; error: string };

/** The InfoTypes counted under their own name; any other is counted as `event`. */
const KNOWN_KINDS: ReadonlySet<string> = new Set([
  'component_verify_ticket',
  'authorized',
  'updateauthorized',
  'unauthorized',
]);

/** Values WeChat puts in a payload: strings go in CDATA, numbers bare. */
export type PayloadFields = Record<string, string | number>;

/**
 * Sends pushes the way WeChat does (§1.1, §6.1): encrypted and signed with the component's
 * token, key and appid, POSTed as XML, with a per-attempt timeout and a fixed number of attempts
 * until the answer is accepted. Never throws: every outcome is recorded in the counters.
 */
@Injectable()
export class PusherService {
  private readonly logger = new Logger('SandboxPusher');

  constructor(
    private readonly settingsStore: SettingsStore,
    private readonly counters: SandboxCounters,
    private readonly clock: SandboxClock,
  ) {}

  /**
   * A notice to the component's auth-event URL (ticket, authorized, unauthorized, or any other
   * InfoType). `fields` follow AppId, CreateTime and InfoType (and may override them): strings
   * go in CDATA, numbers bare, objects as child elements, arrays as repeated elements.
   */
  async pushEvent(
    component: SandboxComponentConfig,
    infoType: string,
    fields: Record<string, unknown>,
  ): Promise<PushResult> {
    const named = fields.AuthorizerAppid ?? fields.appid ?? fields.authorizer_appid;
    const authorizerAppid = typeof named === 'string' ? named : undefined;
    const kind = KNOWN_KINDS.has(infoType) ? (infoType as PushKind) : 'event';
    const record = this.counters.startPush({
      kind,
      ...(kind === 'event' ? { infoType } : {}),
      componentAppid: component.appid,
      authorizerAppid,
      target: component.eventUrl ?? '',
    });
    if (!component.eventUrl) return this.finish(record, 'no_url', 'component has no eventUrl');
    const payload = buildWechatXml({
      AppId: component.appid,
      CreateTime: this.clock.nowSec(),
      InfoType: infoType,
      ...fields,
    });
    const result = await this.deliver(record, component, component.eventUrl, payload, {
      envelope: { AppId: component.appid },
      judge: (status, body) =>
        status === 200 && body === 'success'
          ? { kind: 'delivered' }
          : {
              kind: 'retry',
              error: status === 200 ? `answer was not "success": ${clip(body)}` : `HTTP ${status}`,
            },
    });
    return result;
  }

  /** A user message or event of an authorized account, to the component's message URL. */
  async pushMessage(
    component: SandboxComponentConfig,
    account: SandboxAccount,
    openid: string,
    fields: PayloadFields,
  ): Promise<MessagePushResult> {
    const target = component.messageUrl?.split('$APPID$').join(account.appid) ?? '';
    const record = this.counters.startPush({
      kind: 'message',
      componentAppid: component.appid,
      authorizerAppid: account.appid,
      target,
    });
    if (!target) return this.finish(record, 'no_url', 'component has no messageUrl');
    const payload = buildWechatXml({
      ToUserName: account.userName,
      FromUserName: openid,
      CreateTime: this.clock.nowSec(),
      ...fields,
    });
    const crypto = this.cryptoFor(component);
    return this.deliver(record, component, target, payload, {
      envelope: { ToUserName: account.userName },
      openid,
      judge: (status, body) => {
        if (status !== 200) return { kind: 'retry', error: `HTTP ${status}` };
        if (body === '' || body === 'success') return { kind: 'delivered' };
        try {
          const reply = parseWechatXml(body);
          const encrypt = requireField(reply, 'Encrypt');
          const opened = crypto.open(
            {
              timestamp: requireField(reply, 'TimeStamp'),
              nonce: requireField(reply, 'Nonce'),
              msgSignature: requireField(reply, 'MsgSignature'),
            },
            encrypt,
          );
          return { kind: 'delivered', reply: opened.message };
        } catch (error) {
          return {
            kind: 'bad_reply',
            error: `reply is not a valid encrypted reply: ${message(error)}`,
          };
        }
      },
    });
  }

  private async deliver(
    record: PushRecord,
    component: SandboxComponentConfig,
    url: string,
    payload: string,
    how: {
      envelope: Record<string, string>;
      openid?: string;
      judge: (status: number, body: string) => Verdict;
    },
  ): Promise<MessagePushResult> {
    let target: URL;
    let body: string;
    try {
      const crypto = this.cryptoFor(component);
      const timestamp = String(this.clock.nowSec());
      const nonce = String(randomInt(100_000_000, 2_000_000_000));
      const encrypt = crypto.encrypt(payload);
      body = buildWechatXml({ ...how.envelope, Encrypt: encrypt });
      target = new URL(url);
      target.searchParams.set('signature', plainSignature(component.token, timestamp, nonce));
      target.searchParams.set('timestamp', timestamp);
      target.searchParams.set('nonce', nonce);
      if (how.openid !== undefined) target.searchParams.set('openid', how.openid);
      target.searchParams.set('encrypt_type', 'aes');
      target.searchParams.set('msg_signature', crypto.signature(timestamp, nonce, encrypt));
    } catch (error) {
      return this.finish(record, 'failed', `cannot build the push: ${message(error)}`);
    }
    const { pushAttempts, pushTimeoutMs } = this.settingsStore.current;
    let rawReply: string | undefined;
    for (let attempt = 1; attempt <= Math.max(1, pushAttempts); attempt++) {
      record.attempts = attempt;
      let status: number;
      try {
        const signal = AbortSignal.timeout(pushTimeoutMs);
        const response = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'text/xml; charset=utf-8', 'user-agent': 'Mozilla/4.0' },
          body,
          signal,
        });
        status = response.status;
        rawReply = await response.text();
      } catch (error) {
        record.lastError = describeFetchError(error, pushTimeoutMs);
        delete record.lastStatus;
        continue;
      }
      record.lastStatus = status;
      const verdict = how.judge(status, rawReply);
      if (verdict.kind === 'delivered') {
        delete record.lastError;
        return { ...this.finish(record, 'delivered'), reply: verdict.reply, rawReply };
      }
      record.lastError = verdict.error;
      if (verdict.kind === 'bad_reply') {
        return { ...this.finish(record, 'bad_reply', verdict.error), rawReply };
      }
    }
    this.logger.warn(
      `push ${record.infoType ?? record.kind} to ${record.target} failed after ${record.attempts} attempt(s): ${record.lastError ?? ''}`,
    );
    return { ...this.finish(record, 'failed'), rawReply };
  }

  private finish(record: PushRecord, outcome: PushOutcome, error?: string): PushResult {
    record.outcome = outcome;
    if (error !== undefined) record.lastError = error;
    this.counters.finishPush(record);
    return { delivered: outcome === 'delivered', attempts: record.attempts, outcome, record };
  }

  private cryptoFor(component: SandboxComponentConfig): WechatMessageCrypto {
    return new WechatMessageCrypto({
      token: component.token,
      encodingAesKey: component.encodingAesKey,
      appid: component.appid,
    });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function clip(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timeout after ${timeoutMs} ms`;
  }
  const cause = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: string }).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return message(error);
}
