import { Module } from '@nestjs/common';
import { WechatOpenCoreModule } from '../core/wechat-open-core.module.js';
import { AuthorizerModule } from '../authorizer/authorizer.module.js';
import { JsApiTicketRepository } from './jsapi-ticket.repository.js';
import { JsApiTicketService } from './jsapi-ticket.service.js';
import { JsApiCron } from './jsapi.cron.js';
import { JsApiService } from './jsapi.service.js';
import { JsSdkSignatureService } from './jssdk-signature.service.js';

/** JS-SDK and card tickets of authorized accounts, and the signatures built on them. */
@Module({
  imports: [WechatOpenCoreModule, AuthorizerModule],
  providers: [
    JsApiTicketRepository,
    JsApiTicketService,
    JsSdkSignatureService,
    JsApiService,
    JsApiCron,
  ],
  exports: [JsApiService],
})
export class JsApiModule {}
