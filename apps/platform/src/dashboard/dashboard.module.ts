import { Module } from '@nestjs/common';
import { AuthorizationSessionsController } from './authorization-sessions.controller.js';
import { AuthorizersController } from './authorizers.controller.js';
import { ComponentChoice } from './component-choice.js';

/** The admin API of dashboards (operator and tenant keys): authorization links and accounts. */
@Module({
  controllers: [AuthorizationSessionsController, AuthorizersController],
  providers: [ComponentChoice],
  exports: [ComponentChoice],
})
export class DashboardModule {}
