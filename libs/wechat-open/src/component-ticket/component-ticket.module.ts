import { Module } from '@nestjs/common';
import { WechatOpenCoreModule } from '../core/wechat-open-core.module.js';
import { ComponentQuotaService } from './component-quota.service.js';
import { ComponentTicketCron } from './component-ticket.cron.js';
import { ComponentTicketRepository } from './component-ticket.repository.js';
import { ComponentTokenService } from './component-token.service.js';
import { RefreshBacklogReader } from './refresh-backlog.js';
import { VerifyTicketService } from './verify-ticket.service.js';

/** The root of the chain: verify tickets and the component access token. */
@Module({
  imports: [WechatOpenCoreModule],
  providers: [
    ComponentTicketRepository,
    VerifyTicketService,
    ComponentTokenService,
    ComponentTicketCron,
    ComponentQuotaService,
    RefreshBacklogReader,
  ],
  exports: [
    ComponentTokenService,
    VerifyTicketService,
    ComponentQuotaService,
    RefreshBacklogReader,
  ],
})
export class ComponentTicketModule {}
