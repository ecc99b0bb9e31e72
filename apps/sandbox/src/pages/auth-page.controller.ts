import {
  Body,
  Controller,
  Get,
  Headers,
  Post,
  Query,
  Res,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  WechatEndpoint,
  WechatEndpointInterceptor,
} from '../common/wechat-endpoint.interceptor.js';
import { WechatErrorFilter } from '../common/wechat-error.filter.js';
import { renderAccountsPage } from './auth-page.html.js';
import { AuthPageService, CONFIRM_PATH, PageParams } from './auth-page.service.js';

/**
 * The authorization pages a merchant's browser opens (§4.4): PC `componentloginpage` on
 * mp.weixin.qq.com and H5 `bindcomponent` on open.weixin.qq.com (and its older mp host path).
 */
@Controller()
@UseInterceptors(WechatEndpointInterceptor)
@UseFilters(WechatErrorFilter)
export class AuthPageController {
  constructor(private readonly pages: AuthPageService) {}

  @Get('cgi-bin/componentloginpage')
  @WechatEndpoint('componentloginpage')
  loginPage(
    @Query() query: PageParams,
    @Headers('referer') referer: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    this.render(query, referer, reply);
  }

  @Get(['wxaopen/safe/bindcomponent', 'safe/bindcomponent'])
  @WechatEndpoint('bindcomponent')
  bindComponent(
    @Query() query: PageParams,
    @Headers('referer') referer: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    this.render(query, referer, reply);
  }

  @Post(CONFIRM_PATH.slice(1))
  @WechatEndpoint('componentloginpage_confirm')
  async confirm(@Body() form: PageParams, @Res() reply: FastifyReply): Promise<void> {
    const { location } = await this.pages.confirm(
      typeof form === 'object' && form !== null ? form : {},
    );
    void reply.status(302).header('location', location).send();
  }

  private render(query: PageParams, referer: string | undefined, reply: FastifyReply): void {
    const model = this.pages.open(query, referer);
    void reply
      .status(200)
      .header('content-type', 'text/html; charset=utf-8')
      .send(renderAccountsPage(model));
  }
}
