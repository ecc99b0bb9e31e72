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
import { ComponentApiService, TokenQuery } from './component-api.service.js';

/** WeChat's component APIs (https://api.weixin.qq.com/cgi-bin/component/...), §4.1-4.10. */
@Controller('cgi-bin')
@UseInterceptors(WechatEndpointInterceptor)
@UseFilters(WechatErrorFilter)
export class ComponentApiController {
  constructor(private readonly api: ComponentApiService) {}

  @Post('component/api_component_token')
  @HttpCode(200)
  @WechatEndpoint('api_component_token')
  componentToken(@Body() body: unknown) {
    return this.api.componentToken(body);
  }

  @Post('component/api_start_push_ticket')
  @HttpCode(200)
  @WechatEndpoint('api_start_push_ticket')
  startPushTicket(@Body() body: unknown) {
    return this.api.startPushTicket(body);
  }

  @Post('component/api_create_preauthcode')
  @HttpCode(200)
  @WechatEndpoint('api_create_preauthcode')
  createPreAuthCode(@Query() query: TokenQuery, @Body() body: unknown) {
    return this.api.createPreAuthCode(query, body);
  }

  @Post('component/api_query_auth')
  @HttpCode(200)
  @WechatEndpoint('api_query_auth')
  queryAuth(@Query() query: TokenQuery, @Body() body: unknown) {
    return this.api.queryAuth(query, body);
  }

  @Post('component/api_authorizer_token')
  @HttpCode(200)
  @WechatEndpoint('api_authorizer_token')
  authorizerToken(@Query() query: TokenQuery, @Body() body: unknown) {
    return this.api.authorizerToken(query, body);
  }

  @Post('component/api_get_authorizer_info')
  @HttpCode(200)
  @WechatEndpoint('api_get_authorizer_info')
  authorizerInfo(@Query() query: TokenQuery, @Body() body: unknown) {
    return this.api.authorizerInfo(query, body);
  }

  @Post('component/api_get_authorizer_list')
  @HttpCode(200)
  @WechatEndpoint('api_get_authorizer_list')
  authorizerList(@Query() query: TokenQuery, @Body() body: unknown) {
    return this.api.authorizerList(query, body);
  }

  @Post('component/api_get_authorizer_option')
  @HttpCode(200)
  @WechatEndpoint('api_get_authorizer_option')
  getOption(@Query() query: TokenQuery, @Body() body: unknown) {
    return this.api.getOption(query, body);
  }

  @Post('component/api_set_authorizer_option')
  @HttpCode(200)
  @WechatEndpoint('api_set_authorizer_option')
  setOption(@Query() query: TokenQuery, @Body() body: unknown) {
    return this.api.setOption(query, body);
  }

  @Post('component/clear_quota')
  @HttpCode(200)
  @WechatEndpoint('component_clear_quota')
  componentClearQuota(@Query() query: TokenQuery, @Body() body: unknown) {
    return this.api.componentClearQuota(query, body);
  }

  @Post('component/clear_quota/v2')
  @HttpCode(200)
  @WechatEndpoint('clear_quota_v2')
  clearQuotaV2(@Body() body: unknown) {
    return this.api.clearQuotaV2(body);
  }

  @Post('clear_quota')
  @HttpCode(200)
  @WechatEndpoint('clear_quota')
  clearQuota(@Query() query: TokenQuery, @Body() body: unknown) {
    return this.api.clearQuota(query, body);
  }
}
