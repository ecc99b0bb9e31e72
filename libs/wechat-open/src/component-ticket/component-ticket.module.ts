import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ComponentTicketCron } from './component-ticket.cron.js';
import { ComponentTokenEntity, VerifyTicketEntity } from './component-ticket.entities.js';
import { ComponentTicketRepository } from './component-ticket.repository.js';
import { ComponentTokenService } from './component-token.service.js';
import { VerifyTicketService } from './verify-ticket.service.js';

/** The root of the chain: verify tickets and the component access token. */
@Module({
  imports: [TypeOrmModule.forFeature([VerifyTicketEntity, ComponentTokenEntity])],
  providers: [
    ComponentTicketRepository,
    VerifyTicketService,
    ComponentTokenService,
    ComponentTicketCron,
  ],
  exports: [ComponentTokenService, VerifyTicketService],
})
export class ComponentTicketModule {}
