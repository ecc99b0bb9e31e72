import { WechatOpenError } from '../errors/wechat-open.error.js';
import type { NewsArticle, WechatReply } from '../handlers/handler.types.js';
import { buildWechatXml } from '../xml/wechat-xml.js';

/** A handler returned something that is not a passive reply WeChat accepts. */
export class InvalidReplyError extends WechatOpenError {
  constructor(reason: string) {
    super('INVALID_REPLY', `the handler's reply is not usable: ${reason}`);
  }
}

/** Who a passive reply goes to: the incoming message's sender and account, swapped. */
export interface ReplyAddress {
  /** The incoming FromUserName (the user's openid). */
  toUser: string;
  /** The incoming ToUserName (the account's original id). */
  fromUser: string;
  createTime: Date;
}

/** WeChat shows at most 8 articles in a news reply. */
const MAX_ARTICLES = 8;

/**
 * The plain passive-reply XML of a handler's reply (before encryption, §3.6): ToUserName and
 * FromUserName swapped from the incoming message, CreateTime, MsgType and the type's fields.
 * Throws INVALID_REPLY for a value that is not a reply of a known type with its fields.
 */
export function buildPassiveReplyXml(reply: WechatReply, to: ReplyAddress): string {
  const head = {
    ToUserName: to.toUser,
    FromUserName: to.fromUser,
    CreateTime: Math.floor(to.createTime.getTime() / 1000),
  };
  return buildWechatXml({ ...head, ...replyFields(reply) });
}

/** The customer-service API's body (message/custom/send, §4.12) for the same reply. */
export function customerServiceBody(toUser: string, reply: WechatReply): Record<string, unknown> {
  const r = checked(reply);
  switch (r.type) {
    case 'text':
      return { touser: toUser, msgtype: 'text', text: { content: r.content } };
    case 'image':
    case 'voice':
      return { touser: toUser, msgtype: r.type, [r.type]: { media_id: r.mediaId } };
    case 'video':
      return {
        touser: toUser,
        msgtype: 'video',
        video: { media_id: r.mediaId, title: r.title, description: r.description },
      };
    case 'music':
      return {
        touser: toUser,
        msgtype: 'music',
        music: {
          title: r.title,
          description: r.description,
          musicurl: r.musicUrl,
          hqmusicurl: r.hqMusicUrl,
          thumb_media_id: r.thumbMediaId,
        },
      };
    case 'news':
      return {
        touser: toUser,
        msgtype: 'news',
        news: {
          articles: r.articles.map((a) => ({
            title: a.title,
            description: a.description,
            url: a.url,
            picurl: a.picUrl,
          })),
        },
      };
    case 'transfer_customer_service':
      throw new InvalidReplyError('transfer_customer_service is a passive reply only');
  }
}

function replyFields(reply: WechatReply): Record<string, unknown> {
  const r = checked(reply);
  switch (r.type) {
    case 'text':
      return { MsgType: 'text', Content: r.content };
    case 'image':
      return { MsgType: 'image', Image: { MediaId: r.mediaId } };
    case 'voice':
      return { MsgType: 'voice', Voice: { MediaId: r.mediaId } };
    case 'video':
      return {
        MsgType: 'video',
        Video: defined({ MediaId: r.mediaId, Title: r.title, Description: r.description }),
      };
    case 'music':
      return {
        MsgType: 'music',
        Music: defined({
          Title: r.title,
          Description: r.description,
          MusicUrl: r.musicUrl,
          HQMusicUrl: r.hqMusicUrl,
          ThumbMediaId: r.thumbMediaId,
        }),
      };
    case 'news':
      return {
        MsgType: 'news',
        ArticleCount: r.articles.length,
        Articles: { item: r.articles.map(articleFields) },
      };
    case 'transfer_customer_service':
      return {
        MsgType: 'transfer_customer_service',
        ...(r.kfAccount ? { TransInfo: { KfAccount: r.kfAccount } } : {}),
      };
  }
}

function articleFields(a: NewsArticle): Record<string, string> {
  return defined({ Title: a.title, Description: a.description, PicUrl: a.picUrl, Url: a.url });
}

/** Drops the fields left undefined (an optional field is omitted, not sent empty). */
function defined<T extends Record<string, string | undefined>>(o: T): Record<string, string> {
  return Object.fromEntries(
    Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/**
 * The reply as a handler returned it, checked at run time: hosts written in JavaScript, or
 * casting, can return anything.
 */
function checked(reply: unknown): WechatReply {
  if (typeof reply !== 'object' || reply === null) throw new InvalidReplyError('not an object');
  const r = reply as Record<string, unknown>;
  const str = (name: string, required: boolean) => {
    const v = r[name];
    if (v === undefined && !required) return;
    if (typeof v !== 'string' || (required && v.length === 0)) {
      throw new InvalidReplyError(`${String(r.type)}.${name} must be a non-empty string`);
    }
  };
  switch (r.type) {
    case 'text':
      str('content', true);
      break;
    case 'image':
    case 'voice':
      str('mediaId', true);
      break;
    case 'video':
      str('mediaId', true);
      str('title', false);
      str('description', false);
      break;
    case 'music':
      str('thumbMediaId', true);
      for (const f of ['title', 'description', 'musicUrl', 'hqMusicUrl']) str(f, false);
      break;
    case 'news': {
      const articles = r.articles;
      if (!Array.isArray(articles) || articles.length < 1 || articles.length > MAX_ARTICLES) {
        throw new InvalidReplyError(`news needs 1 to ${MAX_ARTICLES} articles`);
      }
      for (const a of articles as unknown[]) {
        const article = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
        if (typeof article.title !== 'string' || article.title.length === 0) {
          throw new InvalidReplyError('every news article needs a title');
        }
        for (const f of ['description', 'picUrl', 'url']) {
          if (article[f] !== undefined && typeof article[f] !== 'string') {
            throw new InvalidReplyError(`news article ${f} must be a string`);
          }
        }
      }
      break;
    }
    case 'transfer_customer_service':
      str('kfAccount', false);
      break;
    default:
      throw new InvalidReplyError('unknown reply type');
  }
  return reply as WechatReply;
}
