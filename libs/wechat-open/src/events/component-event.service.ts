import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Clock } from '../core/clock.js';
import { WechatPushError, WechatXmlError } from '../errors/crypto.errors.js';
import { optionalField, requireField, XmlFields } from '../xml/wechat-xml.js';
import { EventNotFoundError, EventNotReplayableError } from './component-event.errors.js';
import { ComponentEventDispatcher } from './component-event.dispatcher.js';
import { ComponentEvent, EventDisposition, WechatEventBus } from './event-bus.js';
import { EventLogRepository } from './event-log.repository.js';
import { parseInfoTypePayload } from './info-type-parsers.js';
import { infoTypeLabel, KNOWN_INFO_TYPES } from './info-types.js';
import { PushOpener } from './push-opener.js';
import { redactedFieldsIn, redactFields } from './redact.js';
import { EVENT_BUS } from '../core/internal-tokens.js';

export interface ReceivedEvent {
  infoType: string;
  /** False for a retry of a push already in the event log. */
  firstDelivery: boolean;
  /** False when no module handles this InfoType. */
  handled: boolean;
  /** Applied, or ignored with the reason (an older authorization push, an older ticket). */
  disposition: EventDisposition;
}

/** What a replayed push came to (ComponentEventService.replay). */
export interface ReplayedEvent {
  infoType: string;
  /** `applied`, or `ignored` (see note). */
  disposition: EventDisposition['outcome'];
  /** Why it was ignored (older than the account's last state change, no handler), else null. */
  note: string | null;
}

/**
 * Receives a push on the authorization-event URL: open (verify, decrypt, parse), read its typed
 * payload and let the InfoType's handler check the content, apply it, append it to the event log
 * once, then dispatch it to the host's `@OnComponentEvent` handlers (ComponentEventDispatcher).
 * Anything invalid throws a typed error before a single row is written or a handler runs; the log
 * holds only pushes that were valid, each with what became of it.
 */
@Injectable()
export class ComponentEventService {
  private readonly logger = new Logger('ComponentEventService');

  constructor(
    private readonly opener: PushOpener,
    @Inject(EVENT_BUS) private readonly bus: WechatEventBus,
    private readonly log: EventLogRepository,
    private readonly clock: Clock,
    private readonly dispatcher: ComponentEventDispatcher,
  ) {}

  /** `query` and `body` are the request's, unchecked: everything about them is checked here. */
  async receive(componentAppid: string, query: unknown, body: unknown): Promise<ReceivedEvent> {
    const push = this.opener.open(componentAppid, query, body);
    const { fields } = push;
    const infoType = requireField(fields, 'InfoType').toLowerCase();
    const appId = optionalField(fields, 'AppId');
    if (appId !== undefined && appId !== componentAppid) {
      throw new WechatPushError('PUSH_WRONG_COMPONENT', 'the push names another component');
    }
    const event: ComponentEvent = { componentAppid, infoType, createTime: push.createTime, fields };
    // The typed payload and the handler read and check the fields first: unusable content is
    // refused unlogged and reaches no host handler.
    const payload = parseInfoTypePayload(infoType, fields, push.createTime);
    const parsed = this.bus.parse(event);
    // Applied before it is logged: if applying fails, WeChat's retry finds no row and tries again
    // (handlers are idempotent); a retry of a push already applied and logged is stored once.
    const disposition = await parsed.apply();
    const authorizerAppid = accountOf(fields);
    const receivedAt = this.clock.now();
    const stored = await this.log.appendOnce({
      componentAppid,
      infoType,
      authorizerAppid,
      createTime: push.createTime,
      // WeChat's retries and replays of the same content are stored once, with the outcome of
      // the first delivery; the handler records a later ignored replay where it matters (the
      // account's history).
      dedupeKey: createHash('sha256')
        .update(componentAppid)
        .update('\n')
        .update(push.message)
        .digest('hex'),
      payload: redactFields(fields),
      receivedAt,
      disposition: disposition.outcome,
      note: disposition.outcome === 'ignored' ? disposition.reason : null,
    });
    // After the log: the host handlers get its row id, and a retry (stored once, same id) runs
    // only the critical handlers that did not succeed the first time. A critical handler that
    // fails throws EVENT_HANDLER_FAILED: WeChat gets a 503 and pushes again.
    await this.dispatcher.dispatch({
      componentAppid,
      infoType,
      authorizerAppid,
      createTime: push.createTime,
      payload,
      fields,
      xml: push.message,
      eventId: stored.id,
      receivedAt,
    });
    if (!parsed.handled) {
      // The InfoType is decrypted content: named in the log only when it is one WeChat documents.
      const name = KNOWN_INFO_TYPES.has(infoType) ? infoType : 'an unknown InfoType';
      this.logger.log(`recorded ${name} for ${componentAppid} (no handler)`);
    }
    return { infoType, firstDelivery: stored.inserted, handled: parsed.handled, disposition };
  }

  /**
   * Runs a stored push through its handler again, as if WeChat had pushed it now (handlers are
   * idempotent and ignore a push older than the account's last state change). Only pushes whose
   * stored content is complete can be: the log keeps no credential, so `authorized`,
   * `updateauthorized` (their code) and `component_verify_ticket` throw EVENT_NOT_REPLAYABLE.
   * EVENT_NOT_FOUND for an unknown id or another component's. The log is not written again, and
   * the host's `@OnComponentEvent` handlers are not called again: they had the push when it
   * arrived (a replay re-applies the library's own state change, which a host does not own).
   */
  async replay(componentAppid: string, eventId: string): Promise<ReplayedEvent> {
    const stored = await this.log.find(componentAppid, eventId);
    if (!stored) throw new EventNotFoundError(componentAppid, eventId);
    const label = infoTypeLabel(stored.infoType);
    const missing = redactedFieldsIn(stored.payload);
    if (missing.length > 0) {
      throw new EventNotReplayableError(
        stored.id,
        label,
        `the log keeps no credential, and the push's ${missing.join(', ')} was one`,
      );
    }
    const event: ComponentEvent = {
      componentAppid,
      infoType: stored.infoType,
      createTime: stored.createTime,
      // Stored as redactFields() wrote it: the parsed XML's own shape (strings, objects, arrays).
      fields: stored.payload as XmlFields,
    };
    let parsed;
    try {
      parsed = this.bus.parse(event);
    } catch (error) {
      if (!(error instanceof WechatXmlError)) throw error;
      // It passed when it arrived: the handler has since become stricter.
      throw new EventNotReplayableError(stored.id, label, `its handler refuses it (${error.code})`);
    }
    const disposition = await parsed.apply();
    this.logger.log(
      `replayed event ${stored.id} (${label}) of ${componentAppid}: ${disposition.outcome}`,
    );
    return {
      infoType: stored.infoType,
      disposition: disposition.outcome,
      note: disposition.outcome === 'ignored' ? disposition.reason : null,
    };
  }
}

/** The account a push is about: `AuthorizerAppid`, else `appid`, else `authorizer_appid`. */
function accountOf(fields: XmlFields): string | null {
  for (const name of ['AuthorizerAppid', 'appid', 'authorizer_appid']) {
    const value = optionalField(fields, name);
    if (value) return value;
  }
  return null;
}
