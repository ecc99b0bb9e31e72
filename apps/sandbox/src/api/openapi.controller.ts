import {
  Body,
  Controller,
  HttpCode,
  Post,
  Query,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import {
  WechatEndpoint,
  WechatEndpointInterceptor,
} from '../common/wechat-endpoint.interceptor.js';
import { WechatErrorFilter } from '../common/wechat-error.filter.js';
import type { TokenQuery } from './component-api.service.js';
import { OpenApiService } from './openapi.service.js';

/** WeChat's openapi diagnostics (https://api.weixin.qq.com/cgi-bin/openapi/...), §13.5. */
@Controller('cgi-bin/openapi')
@UseInterceptors(WechatEndpointInterceptor)
@UseFilters(WechatErrorFilter)
export class OpenApiController {
  constructor(private readonly api: OpenApiService) {}

  @Post('quota/get')
  @HttpCode(200)
  @WechatEndpoint('quota_get')
  quota(@Query() query: TokenQuery, @Body() body: unknown) {
    return this.api.quota(query, body);
  }

  @Post('rid/get')
  @HttpCode(200)
  @WechatEndpoint('rid_get')
  rid(@Query() query: TokenQuery, @Body() body: unknown) {
    return this.api.rid(query, body);
  }
}
