import { Body, Controller, Header, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CallbackIpGuard } from '../callback-ip/callback-ip.guard.js';
import { ComponentEventService } from '@app/wechat-open';
import { MetricsService } from '../metrics/metrics.service.js';

/** 授权事件接收URL: where WeChat pushes verify tickets and authorization notices. */
@UseGuards(CallbackIpGuard)
@Controller('wechat/:componentAppid')
export class WechatEventsController {
  constructor(
    private readonly events: ComponentEventService,
    private readonly metrics: MetricsService,
  ) {}

  @Post('events')
  @HttpCode(200)
  @Header('content-type', 'text/plain; charset=utf-8')
  async receive(
    @Param('componentAppid') componentAppid: string,
    @Query() query: unknown,
    @Body() body: unknown,
  ): Promise<string> {
    try {
      const received = await this.events.receive(componentAppid, query, body);
      this.metrics.countPush(componentAppid, received.infoType, received.disposition.outcome);
    } catch (error) {
      this.metrics.countPush(componentAppid, undefined, error);
      throw error;
    }
    // Exactly these 7 bytes: anything else makes WeChat count the push as failed.
    return 'success';
  }
}
