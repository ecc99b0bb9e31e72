import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../core/clock.js';
import { signCard, signChooseCard } from '../crypto/card-signature.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { JsApiTicketService } from './jsapi-ticket.service.js';
import { JsSdkUrlInvalidError, JsSdkUrlNotAllowedError } from './jsapi.errors.js';
import {
  allowedHostsFor,
  buildJsSdkConfig,
  JsSdkConfig,
  pageHost,
  randomNonce,
} from './jsapi.policy.js';

/** What a page needs for wx.addCard / batchAddCard: `cardExt` is the JSON string to pass as is. */
export interface CardExtResult {
  cardId: string;
  /** JSON of code, openid, timestamp, nonce_str, signature (and outer_str, fixed_begintimestamp). */
  cardExt: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

export interface CardExtInput {
  cardId: string;
  code?: string;
  openid?: string;
  /** Red-packet cards only; signed, not put into cardExt. */
  balance?: string | number;
  /** Channel marker (not signed). */
  outerStr?: string;
  /** For DATE_TYPE_FIX_TERM cards (not signed). */
  fixedBeginTimestamp?: number;
}

/** Arguments of wx.chooseCard, signed. */
export interface ChooseCardConfig {
  shopId: string;
  cardType: string;
  cardId: string;
  timestamp: number;
  nonceStr: string;
  signType: 'SHA1';
  cardSign: string;
}

/**
 * The signatures pages need, over the account's tickets: wx.config (for pages on the account's
 * allowed JS-SDK domains), cardExt for wx.addCard, cardSign for wx.chooseCard. Each is signed with
 * a fresh nonce and the current time.
 */
@Injectable()
export class JsSdkSignatureService {
  constructor(
    private readonly tickets: JsApiTicketService,
    private readonly clock: Clock,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  /**
   * The `wx.config` for a page of the account: appId is the authorizer's appid, the URL is signed
   * without its fragment, with a fresh nonce and the current time. Throws JSSDK_URL_NOT_ALLOWED
   * when the page's host is not an allowed domain of the account, AUTHORIZER_REVOKED when the
   * account revoked the authorization.
   */
  async getJsSdkConfig(
    authorizerAppid: string,
    url: string,
    jsApiList: readonly string[] = [],
    componentAppid?: string,
  ): Promise<JsSdkConfig> {
    this.checkUrl(authorizerAppid, url);
    const ticket = await this.tickets.getTicket(authorizerAppid, 'jsapi', componentAppid);
    return buildJsSdkConfig({
      appId: authorizerAppid,
      ticket,
      url,
      timestamp: this.unixSeconds(),
      nonceStr: randomNonce(),
      jsApiList,
    });
  }

  /** The cardExt (with its signature) for wx.addCard, signed with the account's wx_card ticket. */
  async getCardExt(
    authorizerAppid: string,
    card: CardExtInput,
    componentAppid?: string,
  ): Promise<CardExtResult> {
    const apiTicket = await this.tickets.getTicket(authorizerAppid, 'wx_card', componentAppid);
    const timestamp = this.unixSeconds();
    const nonceStr = randomNonce(32);
    const { signature } = signCard({ apiTicket, timestamp, nonceStr, ...card });
    // The official cardExt table says timestamp is passed as a string.
    const ext: Record<string, string | number> = {
      timestamp: String(timestamp),
      nonce_str: nonceStr,
      signature,
    };
    if (card.code !== undefined) ext.code = card.code;
    if (card.openid !== undefined) ext.openid = card.openid;
    if (card.outerStr !== undefined) ext.outer_str = card.outerStr;
    if (card.fixedBeginTimestamp !== undefined) ext.fixed_begintimestamp = card.fixedBeginTimestamp;
    return { cardId: card.cardId, cardExt: JSON.stringify(ext), timestamp, nonceStr, signature };
  }

  /** Signed arguments for wx.chooseCard (cardSign over the account's wx_card ticket). */
  async getChooseCardConfig(
    authorizerAppid: string,
    filter: { shopId?: string; cardType?: string; cardId?: string } = {},
    componentAppid?: string,
  ): Promise<ChooseCardConfig> {
    const apiTicket = await this.tickets.getTicket(authorizerAppid, 'wx_card', componentAppid);
    const timestamp = this.unixSeconds();
    const nonceStr = randomNonce(32);
    const { signature } = signChooseCard({
      apiTicket,
      appId: authorizerAppid,
      timestamp,
      nonceStr,
      locationId: filter.shopId,
      cardId: filter.cardId,
      cardType: filter.cardType,
    });
    return {
      shopId: filter.shopId ?? '',
      cardType: filter.cardType ?? '',
      cardId: filter.cardId ?? '',
      timestamp,
      nonceStr,
      signType: 'SHA1',
      cardSign: signature,
    };
  }

  /** The page must be an absolute http(s) URL on one of the account's allowed domains. */
  private checkUrl(authorizerAppid: string, url: string): void {
    const host = pageHost(url);
    if (host === null) throw new JsSdkUrlInvalidError(authorizerAppid);
    const allowed = allowedHostsFor(this.options.jsapi.allowedDomains, authorizerAppid);
    if (allowed && !allowed.includes(host))
      throw new JsSdkUrlNotAllowedError(authorizerAppid, host);
  }

  private unixSeconds(): number {
    return Math.floor(this.clock.nowMs() / 1000);
  }
}
