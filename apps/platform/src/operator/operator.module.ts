import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OperatorController } from './operator.controller.js';
import { QuotaResetEntity } from './operator.entities.js';
import { OperatorService } from './operator.service.js';
import { QuotaResetRepository } from './quota-reset.repository.js';

/**
 * The operator's routes (/v1/components...): component health, the authorizer list sync and
 * WeChat's quota tools, with the quota_reset table. The library's services come from
 * WechatOpenModule, which the app registers globally.
 */
@Module({
  imports: [TypeOrmModule.forFeature([QuotaResetEntity])],
  controllers: [OperatorController],
  providers: [QuotaResetRepository, OperatorService],
})
export class OperatorModule {}
