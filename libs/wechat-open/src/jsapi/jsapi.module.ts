import { Module } from '@nestjs/common';
import { AuthorizerModule } from '../authorizer/authorizer.module.js';
import { JsApiTicketRepository } from './jsapi-ticket.repository.js';
import { JsApiCron } from './jsapi.cron.js';
import { JsApiService } from './jsapi.service.js';

/** JS-SDK and card tickets of authorized accounts, and the signatures built on them. */
@Module({
  imports: [AuthorizerModule],
  providers: [JsApiTicketRepository, JsApiService, JsApiCron],
  exports: [JsApiService],
})
export class JsApiModule {}
