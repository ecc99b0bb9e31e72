import type { EntityManager } from 'typeorm';
import type { XmlFields } from '../xml/wechat-xml.js';

/**
 * Which user messages and events of authorized accounts a host method receives (`@OnWechatMessage`).
 * Every given criterion must match; a list matches any of its values; an omitted one matches all.
 * `msgType` and `event` compare case-insensitively (WeChat sends `text`, `event` / `subscribe`,
 * `CLICK`, ...).
 */
export interface WechatMessageFilter {
  msgType?: string | readonly string[];
  /** The `Event` of `msgType: 'event'` messages. */
  event?: string | readonly string[];
  componentAppid?: string | readonly string[];
  authorizerAppid?: string | readonly string[];
  /** The tenant the account is bound to (accounts without a tenant never match a tenantId). */
  tenantId?: string | readonly string[];
}

/** Which pushes of the authorization-event URL a host method receives (`@OnComponentEvent`). */
export interface ComponentEventFilter {
  /**
   * InfoType (`notify_third_fasteregister`, ...), compared case-insensitively; `*` or omitted:
   * every InfoType, known or not, except `component_verify_ticket` (pushed every 10 minutes),
   * which reaches only the filters that name it.
   */
  infoType?: string | readonly string[];
  componentAppid?: string | readonly string[];
}

/** How a host handler runs. */
export interface HandlerRunOptions {
  /**
   * Runs before WeChat is answered, outside the reply budget, and must succeed: if it throws,
   * WeChat gets an error status (it retries later) and the message's deduplication claim is
   * released so the retry runs it again. For quick durable writes (a forwarding queue's insert),
   * never for slow work. Default false: errors are logged, WeChat is answered all the same.
   * On the event URL, the push is stored first and a retry runs only the critical handlers
   * that have not succeeded for it (`ctx.manager` writes commit with that success); the others
   * start after the answer, at most once.
   */
  critical?: boolean;
}

/** A user message or event of an authorized account, decrypted and checked. */
export interface WechatMessageContext {
  componentAppid: string;
  authorizerAppid: string;
  /** The account's tenant, null when it has none. */
  tenantId: string | null;
  /** `MsgType` as sent (`text`, `image`, `event`, ...). */
  msgType: string;
  /** `Event` for `msgType: 'event'`, else null. */
  event: string | null;
  /** `FromUserName`: the user's openid. */
  fromUser: string;
  /** `ToUserName`: the account's original id (`gh_...`). */
  toUser: string;
  createTime: Date;
  /** `MsgId` when WeChat sent one. */
  msgId: string | null;
  /** Every field of the decrypted XML. */
  fields: XmlFields;
  /** The decrypted XML exactly as WeChat sent it (for verbatim forwarding; never log it). */
  xml: string;
  receivedAt: Date;
}

/**
 * A push on the authorization-event URL, after the library applied it and logged it. Not sent
 * again for a replay (ComponentEventService.replay).
 */
export interface ComponentEventContext<P = unknown> {
  componentAppid: string;
  /** Lower-case InfoType. */
  infoType: string;
  /**
   * The account the push is about, when it names one (`AuthorizerAppid`, else `appid`, else
   * `authorizer_appid`).
   */
  authorizerAppid: string | null;
  /**
   * The account's tenant in the registry; for an `authorized` / `updateauthorized` push of an
   * account without one yet (its code is redeemed right after the answer), the tenant of the
   * authorization session its PreAuthCode came from; else null.
   */
  tenantId: string | null;
  createTime: Date;
  /**
   * The InfoType's typed payload (`InfoTypePayloads[infoType]`, see `isInfoType`); for an
   * InfoType the library does not know, the raw fields.
   */
  payload: P;
  fields: XmlFields;
  /** The decrypted XML exactly as WeChat sent it (never log it). */
  xml: string;
  /** The event log row's id (ComponentEventService.replay takes it). */
  eventId: string;
  receivedAt: Date;
  /**
   * Critical handlers only: the transaction that records this handler's success for this event.
   * Writes made through it commit with that record, so a WeChat retry never repeats them.
   */
  manager?: EntityManager;
}

/** One article of a news reply (at most 8; WeChat shows the first large). */
export interface NewsArticle {
  title: string;
  description?: string;
  picUrl?: string;
  url?: string;
}

/**
 * A passive reply a message handler may return (encrypted and signed by the library, §3.6). The
 * library fills ToUserName, FromUserName and CreateTime.
 */
export type WechatReply =
  | { type: 'text'; content: string }
  | { type: 'image'; mediaId: string }
  | { type: 'voice'; mediaId: string }
  | { type: 'video'; mediaId: string; title?: string; description?: string }
  | {
      type: 'music';
      title?: string;
      description?: string;
      musicUrl?: string;
      hqMusicUrl?: string;
      thumbMediaId: string;
    }
  | { type: 'news'; articles: readonly NewsArticle[] }
  | { type: 'transfer_customer_service'; kfAccount?: string };
