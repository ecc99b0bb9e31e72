import { Body, Controller, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ComponentEventService } from '@wechat-open/nestjs';

/**
 * 授权事件接收URL: WeChat pushes verify tickets and authorization notices here; the library
 * checks, decrypts and applies them. (A push it refuses throws a typed error: a 500 here, and
 * WeChat retries; a real service maps the codes to 4xx as the platform does.)
 */
@Controller('wechat/:componentAppid')
export class WechatEventsController {
  constructor(private readonly events: ComponentEventService) {}

  @Post('events')
  @HttpCode(200)
  @Header('content-type', 'text/plain; charset=utf-8')
  async receive(
    @Param('componentAppid') componentAppid: string,
    @Query() query: unknown,
    @Body() body: unknown,
  ): Promise<string> {
    await this.events.receive(componentAppid, query, body);
    return 'success'; // exactly these 7 bytes
  }
}
