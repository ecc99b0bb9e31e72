import { randomInt } from 'node:crypto';
import {
  buildWechatXml,
  ComponentConfig,
  msgSignature,
  plainSignature,
  WechatMessageCrypto,
} from '@app/wechat-open';

export interface MessagePush {
  query: URLSearchParams;
  body: string;
}

/**
 * A user message to the message URL, encrypted and signed exactly as WeChat sends it (tests craft
 * good and bad ones with it): envelope `<ToUserName/><Encrypt/>`, query with openid.
 */
export function messagePush(
  component: ComponentConfig,
  fields: Record<string, string | number>,
  options: { timestamp?: number; envelopeTo?: string; signWith?: string } = {},
): MessagePush {
  const crypto = new WechatMessageCrypto({
    token: component.token,
    encodingAesKey: component.encodingAesKey,
    appid: component.appid,
  });
  const encrypt = crypto.encrypt(buildWechatXml(fields));
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = String(randomInt(100_000_000, 999_999_999));
  const token = options.signWith ?? component.token;
  const query = new URLSearchParams({
    signature: plainSignature(token, timestamp, nonce),
    timestamp,
    nonce,
    openid: String(fields.FromUserName),
    encrypt_type: 'aes',
    msg_signature: msgSignature(token, timestamp, nonce, encrypt),
  });
  const to = options.envelopeTo ?? String(fields.ToUserName);
  return { query, body: buildWechatXml({ ToUserName: to, Encrypt: encrypt }) };
}

/** POSTs a push to an instance's message URL for an account. */
export async function postMessage(
  baseUrl: string,
  componentAppid: string,
  authorizerAppid: string,
  push: MessagePush,
): Promise<{ status: number; body: string; contentType: string | null }> {
  const res = await fetch(
    `${baseUrl}/wechat/${componentAppid}/accounts/${authorizerAppid}/messages?${push.query.toString()}`,
    { method: 'POST', headers: { 'content-type': 'text/xml' }, body: push.body },
  );
  return {
    status: res.status,
    body: await res.text(),
    contentType: res.headers.get('content-type'),
  };
}

/** A text message from `openid` to the account `userName`. */
export function textMessage(userName: string, openid: string, content: string, msgId?: string) {
  return {
    ToUserName: userName,
    FromUserName: openid,
    CreateTime: Math.floor(Date.now() / 1000),
    MsgType: 'text',
    Content: content,
    MsgId: msgId ?? `${Date.now()}${randomInt(100_000, 999_999)}`,
  };
}
