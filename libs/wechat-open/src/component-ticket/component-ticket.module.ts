import { Module } from '@nestjs/common';
import { ComponentTicketCron } from './component-ticket.cron.js';
import { ComponentTicketRepository } from './component-ticket.repository.js';
import { ComponentTokenService } from './component-token.service.js';
import { VerifyTicketService } from './verify-ticket.service.js';

/** The root of the chain: verify tickets and the component access token. */
@Module({
  providers: [
    ComponentTicketRepository,
    VerifyTicketService,
    ComponentTokenService,
    ComponentTicketCron,
  ],
  exports: [ComponentTokenService, VerifyTicketService],
})
export class ComponentTicketModule {}
