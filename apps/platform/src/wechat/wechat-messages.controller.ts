import { Body, Controller, Get, Header, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { CallbackIpGuard } from '../callback-ip/callback-ip.guard.js';
import type { FastifyReply } from 'fastify';
import { WechatMessageService } from '@app/wechat-open';
import { MetricsService } from '../metrics/metrics.service.js';

/**
 * 消息与事件接收URL (`.../accounts/$APPID$/messages` in WeChat's console): user messages and
 * events of every authorized account, answered `success`, empty, or with an encrypted passive
 * reply. Bad input is a 4xx through the error filter; a critical handler's failure a 503.
 */
@UseGuards(CallbackIpGuard)
@Controller('wechat/:componentAppid/accounts/:authorizerAppid/messages')
export class WechatMessagesController {
  constructor(
    private readonly messages: WechatMessageService,
    private readonly metrics: MetricsService,
  ) {}

  @Post()
  async receive(
    @Param('componentAppid') componentAppid: string,
    @Param('authorizerAppid') authorizerAppid: string,
    @Query() query: unknown,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    try {
      const answer = await this.messages.receive(componentAppid, authorizerAppid, query, body);
      this.metrics.countMessage(componentAppid, answer.msgType, answer.result);
      void reply.status(answer.status).header('content-type', answer.contentType);
      return answer.body;
    } catch (error) {
      this.metrics.countMessage(componentAppid, null, error);
      throw error;
    }
  }

  /** The plain-mode check (GET with `echostr`): undocumented for components, answered anyway. */
  @Get()
  @Header('content-type', 'text/plain; charset=utf-8')
  echo(@Param('componentAppid') componentAppid: string, @Query() query: unknown): string {
    return this.messages.echo(componentAppid, query);
  }
}
