import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CallbackIpEntity } from './callback-ip.entity.js';
import { CallbackIpGuard } from './callback-ip.guard.js';
import { CallbackIpRepository } from './callback-ip.repository.js';
import { CallbackIpScheduler } from './callback-ip.scheduler.js';
import { CallbackIpService } from './callback-ip.service.js';

/**
 * WeChat's callback IP list (getcallbackip, §13.6): kept in memory and wechat_callback_ip,
 * refreshed daily when schedulers are on, and the guard the push controllers use (it checks
 * only with CALLBACK_IP_CHECK and TRUST_PROXY). Exports the service and the guard.
 */
@Module({
  imports: [TypeOrmModule.forFeature([CallbackIpEntity])],
  providers: [CallbackIpRepository, CallbackIpService, CallbackIpScheduler, CallbackIpGuard],
  exports: [CallbackIpService, CallbackIpGuard],
})
export class CallbackIpModule {}
