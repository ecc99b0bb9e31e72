import { Module } from '@nestjs/common';
import { WechatOpenCoreModule } from '../core/wechat-open-core.module.js';
import { AuthorizerModule } from '../authorizer/authorizer.module.js';
import { ComponentTicketModule } from '../component-ticket/component-ticket.module.js';
import { PreAuthTenantModule } from './pre-auth-tenant.module.js';
import { PreAuthRepository } from './pre-auth.repository.js';
import { PreAuthService } from './pre-auth.service.js';

/** Authorization links, entry pages and landings that bind accounts to tenants. */
@Module({
  imports: [WechatOpenCoreModule, ComponentTicketModule, AuthorizerModule, PreAuthTenantModule],
  providers: [PreAuthRepository, PreAuthService],
  exports: [PreAuthService],
})
export class PreAuthModule {}
