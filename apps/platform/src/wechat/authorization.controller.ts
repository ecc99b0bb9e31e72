import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PreAuthService, WechatOpenError } from '@app/wechat-open';
import { SingleQueryPipe } from '../common/single-query.pipe.js';
import { statusOf } from '../common/wechat-error.filter.js';
import { entryPage, errorPage } from './authorization-pages.js';

/** The browser side of authorization: the entry page and the landing after WeChat. */
@Controller('wechat/:componentAppid')
export class AuthorizationController {
  constructor(private readonly preAuth: PreAuthService) {}

  /** Link or QR code target for dashboards: mints a pre_auth_code and moves on to WeChat. */
  @Get('authorize/:sessionId')
  async entry(
    @Param('componentAppid') componentAppid: string,
    @Param('sessionId') sessionId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.page(reply, async () => {
      const { authorizationUrl } = await this.preAuth.open(componentAppid, sessionId);
      await reply
        .status(200)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(entryPage(authorizationUrl));
    });
  }

  /** redirect_uri: WeChat sends the browser here with auth_code after consent. */
  @Get('authorized')
  async landing(
    @Param('componentAppid') componentAppid: string,
    @Query('session', SingleQueryPipe) sessionId: string | undefined,
    @Query('auth_code', SingleQueryPipe) authCode: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.page(reply, async () => {
      const result = await this.preAuth.land(componentAppid, sessionId ?? '', authCode);
      await reply.header('cache-control', 'no-store').redirect(result.redirectTo, 302);
    });
  }

  /** Library errors become an HTML page with the code, not JSON: a person is looking. */
  private async page(reply: FastifyReply, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof WechatOpenError)) throw error;
      const status = statusOf(error);
      await reply
        .status(status)
        .header('content-type', 'text/html; charset=utf-8')
        .send(errorPage(status, error.code, error.message));
    }
  }
}
