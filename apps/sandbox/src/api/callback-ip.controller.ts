import { Controller, Get, Query, UseFilters, UseInterceptors } from '@nestjs/common';
import {
  WechatEndpoint,
  WechatEndpointInterceptor,
} from '../common/wechat-endpoint.interceptor.js';
import { WechatErrorFilter } from '../common/wechat-error.filter.js';
import type { TokenQuery } from './component-api.service.js';
import { OpenApiService } from './openapi.service.js';

/** GET https://api.weixin.qq.com/cgi-bin/getcallbackip?access_token=... (§13.6). */
@Controller('cgi-bin')
@UseInterceptors(WechatEndpointInterceptor)
@UseFilters(WechatErrorFilter)
export class CallbackIpController {
  constructor(private readonly api: OpenApiService) {}

  @Get('getcallbackip')
  @WechatEndpoint('getcallbackip')
  callbackIps(@Query() query: TokenQuery) {
    return this.api.callbackIps(query);
  }
}
