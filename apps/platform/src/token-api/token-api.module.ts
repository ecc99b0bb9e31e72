import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretAccessLogEntity } from '../access/access.entities.js';
import { AccountDirectory } from './account-directory.js';
import { SecretAccessLogRepository } from './secret-access-log.repository.js';
import { SecretAccessLog } from './secret-access-log.service.js';
import { TokenApiController } from './token-api.controller.js';
import { TokenApiService } from './token-api.service.js';

/**
 * The token API for services (service keys): tokens, rejected-token reports, JS-SDK configs and
 * calls on an account's behalf, each recorded in secret_access_log. Needs WechatOpenModule and
 * AccessModule (both global in the platform).
 */
@Module({
  imports: [TypeOrmModule.forFeature([SecretAccessLogEntity])],
  controllers: [TokenApiController],
  providers: [TokenApiService, AccountDirectory, SecretAccessLogRepository, SecretAccessLog],
  exports: [TokenApiService],
})
export class TokenApiModule {}
