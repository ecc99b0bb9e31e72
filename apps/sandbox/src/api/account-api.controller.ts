import {
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  Query,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { jsonBody } from '../common/request-body.js';
import { SandboxApiError } from '../common/sandbox-api.error.js';
import {
  WechatEndpoint,
  WechatEndpointInterceptor,
} from '../common/wechat-endpoint.interceptor.js';
import { WechatErrorFilter } from '../common/wechat-error.filter.js';
import { SandboxCounters } from '../state/sandbox-counters.service.js';
import { AccountStore } from '../state/account.store.js';
import { SentMessageStore } from '../state/sent-message.store.js';
import { TicketStore } from '../state/ticket.store.js';
import { IssuedToken, TokenStore } from '../state/token.store.js';

type Query_ = Record<string, string | undefined>;

const MESSAGE_TYPES = [
  'text',
  'image',
  'voice',
  'video',
  'music',
  'news',
  'mpnews',
  'mpnewsarticle',
  'msgmenu',
  'wxcard',
  'miniprogrampage',
  'link',
];

/** Ordinary account APIs called with an authorizer_access_token (§4.11, §4.12). */
@Controller('cgi-bin')
@UseInterceptors(WechatEndpointInterceptor)
@UseFilters(WechatErrorFilter)
export class AccountApiController {
  constructor(
    private readonly tokenStore: TokenStore,
    private readonly ticketStore: TicketStore,
    private readonly accountStore: AccountStore,
    private readonly sentMessageStore: SentMessageStore,
    private readonly counters: SandboxCounters,
  ) {}

  @Get('ticket/getticket')
  @WechatEndpoint('getticket')
  getTicket(@Query() query: Query_) {
    this.authorizerToken('getticket', query);
    const type = query.type;
    if (type !== 'jsapi' && type !== 'wx_card') {
      throw new SandboxApiError(40097, 'type must be jsapi or wx_card');
    }
    const { ticket, expiresIn } = this.ticketStore.issueJsTicket(type);
    return { errcode: 0, errmsg: 'ok', ticket, expires_in: expiresIn };
  }

  @Post('message/custom/send')
  @HttpCode(200)
  @WechatEndpoint('custom_send')
  customSend(@Query() query: Query_, @Body() rawBody: unknown) {
    const token = this.authorizerToken('custom_send', query);
    const body = jsonBody(rawBody);
    if (typeof body.touser !== 'string' || body.touser === '') throw new SandboxApiError(40003);
    if (typeof body.msgtype !== 'string' || !MESSAGE_TYPES.includes(body.msgtype)) {
      throw new SandboxApiError(40008);
    }
    if (body.msgtype === 'text') {
      const text = body.text as { content?: unknown } | undefined;
      if (typeof text?.content !== 'string' || text.content === '') {
        throw new SandboxApiError(47001, 'text.content missing');
      }
    }
    this.sentMessageStore.record({
      componentAppid: token.componentAppid,
      authorizerAppid: token.authorizerAppid!,
      body,
    });
    return { errcode: 0, errmsg: 'ok' };
  }

  @Get('user/info')
  @WechatEndpoint('user_info')
  userInfo(@Query() query: Query_) {
    const token = this.authorizerToken('user_info', query);
    const openid = query.openid;
    if (!openid) throw new SandboxApiError(40003);
    const account = this.accountStore.get(token.authorizerAppid!);
    if (account?.kind === 'mini_program') throw new SandboxApiError(48001);
    return {
      subscribe: 1,
      openid,
      language: query.lang ?? 'zh_CN',
      subscribe_time: 1_700_000_000,
      unionid: `sandbox-union-${openid}`,
      remark: '',
      groupid: 0,
      tagid_list: [],
      subscribe_scene: 'ADD_SCENE_QR_CODE',
      qr_scene: 0,
      qr_scene_str: '',
    };
  }

  private authorizerToken(endpoint: string, query: Query_): IssuedToken {
    const token = this.tokenStore.check(endpoint, query.access_token, ['authorizer_access_token']);
    this.counters.callByAccount(endpoint, token.authorizerAppid!);
    return token;
  }
}
