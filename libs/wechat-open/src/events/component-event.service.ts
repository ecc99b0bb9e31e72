import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Clock } from '../core/clock.js';
import { ComponentRegistry } from '../core/component-registry.js';
import { EnvelopeQuery } from '../crypto/message-crypto.js';
import { WechatXmlError } from '../errors/crypto.errors.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { optionalField, parseWechatXml, requireField } from '../xml/wechat-xml.js';
import { ComponentEvent, WechatEventBus } from './event-bus.js';
import { EventLogRepository } from './event-log.repository.js';
import { redactFields } from './redact.js';

export interface ReceivedEvent {
  infoType: string;
  /** False for a retry of a push already in the event log. */
  firstDelivery: boolean;
  /** False when no module handles this InfoType. */
  handled: boolean;
}

/**
 * Receives a push on the authorization-event URL: verify, decrypt, parse, log once, dispatch.
 * Anything that fails verification throws a typed error before a single row is written.
 */
@Injectable()
export class ComponentEventService {
  private readonly logger = new Logger('ComponentEventService');

  constructor(
    private readonly registry: ComponentRegistry,
    private readonly bus: WechatEventBus,
    private readonly log: EventLogRepository,
    private readonly clock: Clock,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  async receive(
    componentAppid: string,
    query: EnvelopeQuery,
    body: string,
  ): Promise<ReceivedEvent> {
    const crypto = this.registry.crypto(componentAppid);
    const envelope = parseWechatXml(body, this.options.maxXmlBytes);
    const { message } = crypto.open(query, requireField(envelope, 'Encrypt'));
    const fields = parseWechatXml(message, this.options.maxXmlBytes);
    const infoType = requireField(fields, 'InfoType').toLowerCase();
    const appId = optionalField(fields, 'AppId');
    if (appId !== undefined && appId !== componentAppid) {
      throw new WechatXmlError('XML_MISSING_FIELD', 'AppId in the push is not this component', {
        field: 'AppId',
      });
    }
    const createTime = parseCreateTime(fields.CreateTime);
    const event: ComponentEvent = { componentAppid, infoType, createTime, fields };
    const firstDelivery = await this.log.appendOnce({
      componentAppid,
      infoType,
      authorizerAppid:
        optionalField(fields, 'AuthorizerAppid') ?? optionalField(fields, 'appid') ?? null,
      createTime,
      dedupeKey: createHash('sha256')
        .update(componentAppid)
        .update('\n')
        .update(message)
        .digest('hex'),
      payload: redactFields(fields),
      receivedAt: this.clock.now(),
    });
    // Dispatch even a retry: handlers are idempotent, and a retry may follow a failed first try.
    const handled = await this.bus.dispatch(event);
    if (!handled) this.logger.log(`recorded unhandled InfoType ${infoType} for ${componentAppid}`);
    return { infoType, firstDelivery, handled };
  }
}

function parseCreateTime(value: unknown): Date {
  const seconds = typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new WechatXmlError('XML_MISSING_FIELD', 'CreateTime is missing or not a number', {
      field: 'CreateTime',
    });
  }
  return new Date(seconds * 1000);
}
