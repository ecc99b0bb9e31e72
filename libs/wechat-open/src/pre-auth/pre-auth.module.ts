import { Module } from '@nestjs/common';
import { AuthorizerModule } from '../authorizer/authorizer.module.js';
import { ComponentTicketModule } from '../component-ticket/component-ticket.module.js';
import { PreAuthRepository } from './pre-auth.repository.js';
import { PreAuthService } from './pre-auth.service.js';

/** Authorization links, entry pages and landings that bind accounts to tenants. */
@Module({
  imports: [ComponentTicketModule, AuthorizerModule],
  providers: [PreAuthRepository, PreAuthService],
  exports: [PreAuthService],
})
export class PreAuthModule {}
