import { randomBytes } from 'node:crypto';
import type { ComponentEventContext, WechatMessageContext } from '@app/wechat-open';

/** A user message as the library hands it to handlers (the forwarding tests enqueue it directly). */
export function messageContext(
  overrides: Partial<WechatMessageContext> & { componentAppid: string; authorizerAppid: string },
): WechatMessageContext {
  const msgId = String(BigInt(`0x${randomBytes(7).toString('hex')}`));
  const content = `hello ${randomBytes(4).toString('hex')}`;
  const createTime = new Date(Math.floor(Date.now() / 1000) * 1000);
  const fromUser = `o${randomBytes(8).toString('hex')}`;
  const xml =
    `<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[${fromUser}]]></FromUserName>` +
    `<CreateTime>${createTime.getTime() / 1000}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
  return {
    tenantId: 'acme',
    msgType: 'text',
    event: null,
    fromUser,
    toUser: 'gh_test',
    createTime,
    msgId,
    fields: {
      ToUserName: 'gh_test',
      FromUserName: fromUser,
      CreateTime: String(createTime.getTime() / 1000),
      MsgType: 'text',
      Content: content,
      MsgId: msgId,
    },
    xml,
    receivedAt: new Date(),
    ...overrides,
  };
}

/** A subscribe event (no MsgId: keyed by sender, CreateTime and Event). */
export function eventMessageContext(
  overrides: Partial<WechatMessageContext> & { componentAppid: string; authorizerAppid: string },
): WechatMessageContext {
  const base = messageContext(overrides);
  return {
    ...base,
    msgType: 'event',
    event: 'subscribe',
    msgId: null,
    fields: { ...base.fields, MsgType: 'event', Event: 'subscribe' },
    xml: base.xml.replace(
      '<MsgType><![CDATA[text]]></MsgType>',
      '<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>',
    ),
    ...overrides,
  };
}

/** A push of the authorization-event URL about an account. */
export function componentEventContext(
  overrides: Partial<ComponentEventContext> & { componentAppid: string },
): ComponentEventContext {
  const createTime = new Date(Math.floor(Date.now() / 1000) * 1000);
  const authorizerAppid = overrides.authorizerAppid ?? 'wxa0000000000001';
  const infoType = overrides.infoType ?? 'updateauthorized';
  const xml =
    `<xml><AppId>${overrides.componentAppid}</AppId><CreateTime>${createTime.getTime() / 1000}</CreateTime>` +
    `<InfoType>${infoType}</InfoType><AuthorizerAppid>${authorizerAppid}</AuthorizerAppid>` +
    `<Nonce>${randomBytes(6).toString('hex')}</Nonce></xml>`;
  return {
    infoType,
    authorizerAppid,
    tenantId: 'acme',
    createTime,
    payload: {},
    fields: {
      AppId: overrides.componentAppid,
      InfoType: infoType,
      AuthorizerAppid: authorizerAppid,
    },
    xml,
    eventId: String(Date.now()),
    receivedAt: new Date(),
    ...overrides,
  };
}
