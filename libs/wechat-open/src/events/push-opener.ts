import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../core/clock.js';
import { ComponentRegistry } from '../core/component-registry.js';
import { EnvelopeQuery } from '../crypto/message-crypto.js';
import { WechatXmlError } from '../errors/crypto.errors.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { parseWechatXml, requireField, XmlFields } from '../xml/wechat-xml.js';
import { checkFreshness, readPushQuery } from './push-query.js';

/** A push that passed every check: who sent it, what it says, and which key opened it. */
export interface OpenedPush {
  componentAppid: string;
  query: EnvelopeQuery;
  /** The decrypted XML, exactly as WeChat encrypted it. Never logged. */
  message: string;
  fields: XmlFields;
  /** The envelope's own fields (Encrypt, and ToUserName or AppId), outside the signature. */
  envelope: XmlFields;
  createTime: Date;
  /** 0: the current EncodingAESKey, 1: the previous one (reply with the same). */
  keyIndex: 0 | 1;
}

/** Latest CreateTime accepted: 2100-01-01 (PostgreSQL and Date both hold it; WeChat sends now). */
const MAX_CREATE_TIME_SEC = 4_102_444_800;

/**
 * Everything a push on the event URL or a message URL goes through before anyone looks at it:
 * the component, the query (each parameter once, in its shape), freshness, the envelope (size,
 * no DOCTYPE, bounded depth), msg_signature, decryption and the receive id, then the content's
 * XML and CreateTime. Every failure is a typed 4xx error that quotes nothing decrypted.
 */
@Injectable()
export class PushOpener {
  constructor(
    private readonly registry: ComponentRegistry,
    private readonly clock: Clock,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  open(componentAppid: string, rawQuery: unknown, body: unknown): OpenedPush {
    const crypto = this.registry.crypto(componentAppid);
    const query = readPushQuery(rawQuery);
    checkFreshness(query.timestamp, this.clock.nowMs(), this.options.pushTimestampWindowSec);
    if (typeof body !== 'string' || body.length === 0) {
      throw new WechatXmlError('XML_MALFORMED', 'the body must be the XML envelope');
    }
    const envelope = parseWechatXml(body, this.options.maxXmlBytes);
    const { message, keyIndex } = crypto.open(query, requireField(envelope, 'Encrypt'));
    const fields = parseWechatXml(message, this.options.maxXmlBytes);
    return {
      componentAppid,
      query,
      message,
      fields,
      envelope,
      createTime: readCreateTime(fields),
      keyIndex,
    };
  }
}

/** CreateTime as a date: whole Unix seconds, positive, before 2100 (else XML_BAD_FIELD). */
export function readCreateTime(fields: XmlFields): Date {
  const value = fields.CreateTime;
  if (value === undefined) {
    throw new WechatXmlError('XML_MISSING_FIELD', 'XML field <CreateTime> is missing', {
      field: 'CreateTime',
    });
  }
  const seconds = typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(seconds > 0 && seconds < MAX_CREATE_TIME_SEC)) {
    throw new WechatXmlError('XML_BAD_FIELD', 'CreateTime is not a plausible Unix time', {
      field: 'CreateTime',
    });
  }
  return new Date(seconds * 1000);
}
