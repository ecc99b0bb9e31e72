import {
  BadRequestException,
  Controller,
  ForbiddenException,
  Get,
  NotFoundException,
  Query,
} from '@nestjs/common';
import {
  AuthorizerNotFoundError,
  AuthorizerRevokedError,
  JsApiService,
  JsSdkConfig,
  JsSdkUrlInvalidError,
  JsSdkUrlNotAllowedError,
} from '@wechat-open/nestjs';

/** `wx.config` for a page of an authorized account. */
@Controller()
export class JsSdkController {
  constructor(private readonly jsapi: JsApiService) {}

  @Get('jssdk-config')
  async config(@Query('appid') appid: unknown, @Query('url') url: unknown): Promise<JsSdkConfig> {
    if (typeof appid !== 'string' || !appid || typeof url !== 'string' || !url)
      throw new BadRequestException('appid and url are required, once each');
    try {
      return await this.jsapi.getJsSdkConfig(appid, url);
    } catch (error) {
      // The library throws typed errors with stable codes; HTTP is this service's business.
      if (error instanceof JsSdkUrlInvalidError) throw new BadRequestException(error.code);
      if (error instanceof JsSdkUrlNotAllowedError) throw new ForbiddenException(error.code);
      if (error instanceof AuthorizerNotFoundError || error instanceof AuthorizerRevokedError)
        throw new NotFoundException(error.code);
      throw error;
    }
  }
}
