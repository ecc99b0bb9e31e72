import { Module } from '@nestjs/common';
import { ComponentTicketModule } from '../component-ticket/component-ticket.module.js';
import { AuthorizerRefreshScheduler } from './authorizer-refresh.scheduler.js';
import { AuthorizerTokenListener } from './authorizer-token.listener.js';
import { AuthorizerTokenRepository } from './authorizer-token.repository.js';
import { AuthorizerTokenService } from './authorizer-token.service.js';
import { AuthorizerEvents } from './authorizer.events.js';
import { AuthorizerRepository } from './authorizer.repository.js';
import { AuthorizerService } from './authorizer.service.js';

/** The registry of authorized accounts and their never-lapsing tokens. */
@Module({
  imports: [ComponentTicketModule],
  providers: [
    AuthorizerRepository,
    AuthorizerTokenRepository,
    AuthorizerEvents,
    AuthorizerService,
    AuthorizerTokenService,
    AuthorizerRefreshScheduler,
    AuthorizerTokenListener,
  ],
  exports: [
    AuthorizerService,
    AuthorizerTokenService,
    AuthorizerEvents,
    AuthorizerRefreshScheduler,
  ],
})
export class AuthorizerModule {}
