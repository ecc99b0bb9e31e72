import { createHash } from 'node:crypto';

/**
 * WeChat card (卡券) signatures, computed with the wx_card api_ticket (never the jsapi_ticket).
 *
 * Definition (JS-SDK 说明文档, 附录4 "卡券扩展字段及签名生成算法",
 * developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html, and the official checker
 * mp.weixin.qq.com/debug/cgi-bin/sandbox?t=cardsign): take the *values* of the signed fields
 * (not `key=value` pairs), sort them as strings in dictionary order, concatenate them without a
 * separator, SHA-1, lowercase hex. Field names play no part, so a field left out simply does not
 * contribute a value.
 */
export interface CardSignature {
  /** The sorted values, concatenated: the exact string that was hashed. */
  string1: string;
  signature: string;
}

export type CardSignValue = string | number | null | undefined;

/** Sorts the given values (absent ones dropped) by UTF-16 code unit, joins and hashes them. */
export function signCardValues(values: readonly CardSignValue[]): CardSignature {
  const present = values
    .filter((v): v is string | number => v !== undefined && v !== null)
    .map(String);
  // Ordinal order, as WeChat's own samples (Java Collections.sort, PHP sort with SORT_STRING) use.
  present.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const string1 = present.join('');
  return { string1, signature: createHash('sha1').update(string1, 'utf8').digest('hex') };
}

/** Fields of the `cardExt` signature (wx.addCard / batchAddCard). */
export interface CardExtSignInput {
  /** The authorizer's wx_card api_ticket. */
  apiTicket: string;
  /** Unix seconds; must equal cardExt.timestamp. */
  timestamp: number | string;
  /** Must equal cardExt.nonce_str (at most 32 characters). */
  nonceStr: string;
  cardId: string;
  /** Only for cards with use_custom_code = true. */
  code?: string;
  /** Only for cards with bind_openid = true. */
  openid?: string;
  /** Only for red-packet (红包) cards, as the official checker lists it. */
  balance?: string | number;
}

/**
 * The `signature` of a card's cardExt: values of api_ticket, timestamp, card_id, code, openid,
 * nonce_str (and balance for red-packet cards), dictionary-sorted, concatenated, SHA-1.
 */
export function signCard(input: CardExtSignInput): CardSignature {
  return signCardValues([
    input.apiTicket,
    input.timestamp,
    input.nonceStr,
    input.cardId,
    input.code,
    input.openid,
    input.balance,
  ]);
}

/** Fields of the `cardSign` of wx.chooseCard. */
export interface ChooseCardSignInput {
  apiTicket: string;
  /** The authorizer's appid (the official account whose page it is). */
  appId: string;
  timestamp: number | string;
  nonceStr: string;
  /** shopId in wx.chooseCard. */
  locationId?: string;
  cardId?: string;
  cardType?: string;
}

/**
 * The `cardSign` of wx.chooseCard: values of api_ticket, appid, location_id, timestamp,
 * nonce_str, card_id, card_type, dictionary-sorted, concatenated, SHA-1.
 */
export function signChooseCard(input: ChooseCardSignInput): CardSignature {
  return signCardValues([
    input.apiTicket,
    input.appId,
    input.locationId,
    input.timestamp,
    input.nonceStr,
    input.cardId,
    input.cardType,
  ]);
}
