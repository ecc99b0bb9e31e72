import {
  BadRequestException,
  Body,
  Controller,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ComponentEventService, WechatOpenError } from '@app/wechat-open';
import { MetricsService } from '../metrics/metrics.service.js';

interface PushQuery {
  timestamp?: string;
  nonce?: string;
  msg_signature?: string;
  signature?: string;
  encrypt_type?: string;
}

/** 授权事件接收URL: where WeChat pushes verify tickets and authorization notices. */
@Controller('wechat/:componentAppid')
export class WechatEventsController {
  constructor(
    private readonly events: ComponentEventService,
    private readonly metrics: MetricsService,
  ) {}

  private async count<T extends { infoType: string }>(
    componentAppid: string,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      const result = await work();
      this.metrics.events.inc({
        component: componentAppid,
        info_type: result.infoType,
        outcome: 'ok',
      });
      return result;
    } catch (error) {
      const outcome = error instanceof WechatOpenError ? error.code : 'INTERNAL';
      this.metrics.events.inc({ component: componentAppid, info_type: 'unknown', outcome });
      throw error;
    }
  }

  @Post('events')
  @HttpCode(200)
  @Header('content-type', 'text/plain; charset=utf-8')
  async receive(
    @Param('componentAppid') componentAppid: string,
    @Query() query: PushQuery,
    @Body() body: unknown,
  ): Promise<string> {
    if (!query.timestamp || !query.nonce || !query.msg_signature) {
      throw new BadRequestException('timestamp, nonce and msg_signature are required');
    }
    if (typeof body !== 'string' || body.length === 0) {
      throw new BadRequestException('the body must be the XML envelope');
    }
    const envelope = {
      timestamp: query.timestamp,
      nonce: query.nonce,
      msgSignature: query.msg_signature,
      signature: query.signature,
    };
    await this.count(componentAppid, () => this.events.receive(componentAppid, envelope, body));
    // Exactly these 7 bytes: anything else makes WeChat count the push as failed.
    return 'success';
  }
}
