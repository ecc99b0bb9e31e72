import { createHash } from 'node:crypto';
import {
  ComponentEventContext,
  redactFields,
  WechatMessageContext,
  XmlFields,
} from '@app/wechat-open';
import type { DeliveryKind } from './webhook.entities.js';

/**
 * What a tenant's endpoint receives (the README's "Payload" section), `id` excepted: the
 * delivery's id is added when it is sent, so one sealed copy serves every endpoint.
 */
export type ForwardedContent =
  | {
      type: 'message';
      componentAppid: string;
      authorizerAppid: string;
      tenantId: string;
      msgType: string;
      event: string | null;
      msgId: string | null;
      fromUser: string;
      toUser: string;
      createTime: string;
      receivedAt: string;
      xml: string;
      fields: XmlFields;
    }
  | {
      type: 'event';
      componentAppid: string;
      authorizerAppid: string | null;
      tenantId: string;
      infoType: string;
      createTime: string;
      receivedAt: string;
      /** The push's XML with its credentials (authorization code, auth_code...) redacted. */
      xml: string;
      /** Its fields, credentials replaced by `[redacted]` (the library's redactFields). */
      fields: Record<string, unknown>;
    };

/** One thing to forward to the matching endpoints of a tenant. */
export interface Forwardable {
  tenantId: string;
  kind: DeliveryKind;
  /** Stable per message or event: a WeChat retry has the same key. */
  dedupeKey: string;
  authorizerAppid: string | null;
  /** Lower-case, for the filters. */
  msgType: string | null;
  event: string | null;
  infoType: string | null;
  content: ForwardedContent;
}

const digest = (...parts: string[]): string =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex');

/**
 * A user message or event, keyed as WeChat's own deduplication rule says: by MsgId, else by
 * sender, CreateTime and Event. Null when the account has no tenant (nothing is forwarded).
 */
export function messageForwardable(ctx: WechatMessageContext): Forwardable | null {
  if (ctx.tenantId === null) return null;
  const createSec = String(Math.floor(ctx.createTime.getTime() / 1000));
  const identity =
    ctx.msgId !== null
      ? ['msgid', ctx.msgId]
      : ['sender', ctx.fromUser, createSec, ctx.event ?? ''];
  return {
    tenantId: ctx.tenantId,
    kind: 'message',
    dedupeKey: digest('message', ctx.componentAppid, ctx.authorizerAppid, ...identity),
    authorizerAppid: ctx.authorizerAppid,
    msgType: ctx.msgType.toLowerCase(),
    event: ctx.event?.toLowerCase() ?? null,
    infoType: null,
    content: {
      type: 'message',
      componentAppid: ctx.componentAppid,
      authorizerAppid: ctx.authorizerAppid,
      tenantId: ctx.tenantId,
      msgType: ctx.msgType,
      event: ctx.event,
      msgId: ctx.msgId,
      fromUser: ctx.fromUser,
      toUser: ctx.toUser,
      createTime: ctx.createTime.toISOString(),
      receivedAt: ctx.receivedAt.toISOString(),
      xml: ctx.xml,
      fields: ctx.fields,
    },
  };
}

/**
 * A push of the authorization-event URL about a tenant's account, keyed by its decrypted XML
 * (a retried push is the same XML). Its credentials (the authorization code of `authorized`, a
 * fast registration's auth_code...) never leave the platform: the fields are redacted by the
 * library's redactFields and the same elements of the XML are emptied to `[redacted]`. Null when
 * no tenant is concerned (verify tickets, accounts without a tenant).
 */
export function eventForwardable(ctx: ComponentEventContext): Forwardable | null {
  if (ctx.tenantId === null) return null;
  const fields = redactFields(ctx.fields);
  const xml = redactXml(ctx.xml, redactedNames(ctx.fields, fields));
  return {
    tenantId: ctx.tenantId,
    kind: 'event',
    dedupeKey: digest('event', ctx.componentAppid, ctx.xml),
    authorizerAppid: ctx.authorizerAppid,
    msgType: null,
    event: null,
    infoType: ctx.infoType.toLowerCase(),
    content: {
      type: 'event',
      componentAppid: ctx.componentAppid,
      authorizerAppid: ctx.authorizerAppid,
      tenantId: ctx.tenantId,
      infoType: ctx.infoType,
      createTime: ctx.createTime.toISOString(),
      receivedAt: ctx.receivedAt.toISOString(),
      xml,
      fields,
    },
  };
}

const REDACTED = '[redacted]';

/** The element names redactFields replaced, at any depth (its list stays the library's). */
export function redactedNames(
  original: unknown,
  redacted: unknown,
  into = new Set<string>(),
): Set<string> {
  if (typeof original !== 'object' || original === null) return into;
  if (typeof redacted !== 'object' || redacted === null) return into;
  for (const [key, value] of Object.entries(original)) {
    const after = (redacted as Record<string, unknown>)[key];
    if (after === REDACTED && value !== REDACTED) into.add(key);
    else redactedNames(value, after, into);
  }
  return into;
}

/** The XML with the text of every element of these names (any case) replaced by `[redacted]`. */
export function redactXml(xml: string, names: Iterable<string>): string {
  let out = xml;
  for (const name of names) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(
      new RegExp(`<(${escaped})(\\s[^>]*)?>[\\s\\S]*?</\\1\\s*>`, 'gi'),
      `<$1$2>${REDACTED}</$1>`,
    );
  }
  return out;
}

/** The body POSTed: the delivery's id first, then the stored content. */
export function deliveryBody(deliveryId: string, contentJson: string): string {
  return JSON.stringify({ id: deliveryId, ...(JSON.parse(contentJson) as ForwardedContent) });
}
