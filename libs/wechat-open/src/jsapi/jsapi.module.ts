import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthorizerModule } from '../authorizer/authorizer.module.js';
import { JsApiTicketEntity } from './jsapi-ticket.entity.js';
import { JsApiTicketRepository } from './jsapi-ticket.repository.js';
import { JsApiCron } from './jsapi.cron.js';
import { JsApiService } from './jsapi.service.js';

/** JS-SDK and card tickets of authorized accounts, and the signatures built on them. */
@Module({
  imports: [AuthorizerModule, TypeOrmModule.forFeature([JsApiTicketEntity])],
  providers: [JsApiTicketRepository, JsApiService, JsApiCron],
  exports: [JsApiService],
})
export class JsApiModule {}
