import { Injectable } from '@nestjs/common';
import { JsApiTicketType } from './jsapi-ticket.entity.js';
import { JsApiTicketService, JsApiTicketStatus } from './jsapi-ticket.service.js';
import { JsSdkConfig } from './jsapi.policy.js';
import {
  CardExtInput,
  CardExtResult,
  ChooseCardConfig,
  JsSdkSignatureService,
} from './jssdk-signature.service.js';

export type { CardExtInput, CardExtResult, ChooseCardConfig } from './jssdk-signature.service.js';
export type { JsApiTicketStatus } from './jsapi-ticket.service.js';

/**
 * The JS-SDK for hosts: signatures for pages (JsSdkSignatureService) over the JS-SDK and card
 * tickets of every authorized account (JsApiTicketService). `componentAppid` may be left out
 * wherever the account is authorized for one of our components only.
 */
@Injectable()
export class JsApiService {
  constructor(
    private readonly tickets: JsApiTicketService,
    private readonly signatures: JsSdkSignatureService,
  ) {}

  /**
   * The `wx.config` for a page of the account: appId is the authorizer's appid, the URL is signed
   * without its fragment, with a fresh nonce and the current time. Throws JSSDK_URL_NOT_ALLOWED
   * when the page's host is not an allowed domain of the account, AUTHORIZER_REVOKED when the
   * account revoked the authorization.
   */
  getJsSdkConfig(
    authorizerAppid: string,
    url: string,
    jsApiList: readonly string[] = [],
    componentAppid?: string,
  ): Promise<JsSdkConfig> {
    return this.signatures.getJsSdkConfig(authorizerAppid, url, jsApiList, componentAppid);
  }

  /** The cardExt (with its signature) for wx.addCard, signed with the account's wx_card ticket. */
  getCardExt(
    authorizerAppid: string,
    card: CardExtInput,
    componentAppid?: string,
  ): Promise<CardExtResult> {
    return this.signatures.getCardExt(authorizerAppid, card, componentAppid);
  }

  /** Signed arguments for wx.chooseCard (cardSign over the account's wx_card ticket). */
  getChooseCardConfig(
    authorizerAppid: string,
    filter: { shopId?: string; cardType?: string; cardId?: string } = {},
    componentAppid?: string,
  ): Promise<ChooseCardConfig> {
    return this.signatures.getChooseCardConfig(authorizerAppid, filter, componentAppid);
  }

  /**
   * A valid ticket of the account: from memory, else the database, else fetched through getticket
   * (single-flight in and across instances); one within its refresh margin is refreshed first.
   * While fetches back off after a failure, throws WECHAT_QUOTA_EXHAUSTED (after 45009) or
   * WECHAT_UNAVAILABLE without calling WeChat, unless the stored ticket is still valid.
   */
  getTicket(
    authorizerAppid: string,
    type: JsApiTicketType = 'jsapi',
    componentAppid?: string,
  ): Promise<string> {
    return this.tickets.getTicket(authorizerAppid, type, componentAppid);
  }

  /** Ticket facts (times, version, failures), never the ticket. */
  status(
    authorizerAppid: string,
    type: JsApiTicketType = 'jsapi',
    componentAppid?: string,
  ): Promise<JsApiTicketStatus> {
    return this.tickets.status(authorizerAppid, type, componentAppid);
  }

  /**
   * Keep-warm sweep: refreshes tickets within their refresh margin that were used within
   * keepWarmSec and are not backing off. Returns how many were refreshed.
   */
  refreshDueTickets(): Promise<number> {
    return this.tickets.refreshDueTickets();
  }

  /** Drops the account's tickets here and in the database (after a revocation). */
  forgetAccount(componentAppid: string, authorizerAppid: string): Promise<void> {
    return this.tickets.forgetAccount(componentAppid, authorizerAppid);
  }

  /** Drops the in-process copies of the account's tickets. */
  forgetCached(componentAppid: string, authorizerAppid: string): void {
    this.tickets.forgetCached(componentAppid, authorizerAppid);
  }
}
