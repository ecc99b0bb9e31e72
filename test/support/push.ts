import { randomInt } from 'node:crypto';
import {
  buildWechatXml,
  ComponentConfig,
  msgSignature,
  plainSignature,
  WechatMessageCrypto,
} from '@app/wechat-open';

export interface SignedPush {
  query: string;
  body: string;
}

/** Encrypts and signs a push exactly as WeChat would (tests craft good and bad ones with it). */
export function signedPush(
  component: ComponentConfig,
  fields: Record<string, unknown>,
  options: { timestamp?: number } = {},
): SignedPush & { encrypt: string } {
  return signedMessage(component, buildWechatXml(fields), options);
}

/** Encrypts and signs any message text, well formed or not (tests of hostile content). */
export function signedMessage(
  component: ComponentConfig,
  message: string,
  options: { timestamp?: number } = {},
): SignedPush & { encrypt: string } {
  const crypto = new WechatMessageCrypto({
    token: component.token,
    encodingAesKey: component.encodingAesKey,
    appid: component.appid,
  });
  const encrypt = crypto.encrypt(message);
  return { ...envelope(component, encrypt, encrypt, options), encrypt };
}

export function envelope(
  component: ComponentConfig,
  encrypt: string,
  sign = encrypt,
  options: { timestamp?: number } = {},
): SignedPush {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = String(randomInt(100_000_000, 999_999_999));
  const q = new URLSearchParams({
    signature: plainSignature(component.token, timestamp, nonce),
    timestamp,
    nonce,
    encrypt_type: 'aes',
    msg_signature: msgSignature(component.token, timestamp, nonce, sign),
  });
  return {
    query: q.toString(),
    body: buildWechatXml({ AppId: component.appid, Encrypt: encrypt }),
  };
}

export async function postPush(baseUrl: string, componentAppid: string, push: SignedPush) {
  const res = await fetch(`${baseUrl}/wechat/${componentAppid}/events?${push.query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: push.body,
  });
  return { status: res.status, body: await res.text() };
}
