import { Module } from '@nestjs/common';
import { AuthorizerModule } from '../authorizer/authorizer.module.js';
import { WechatOpenCoreModule } from '../core/wechat-open-core.module.js';
import { FullReleaseRobot } from './full-release-robot.js';
import { MessageDedupeCron } from './message-dedupe.cron.js';
import { MessageDedupeRepository } from './message-dedupe.repository.js';
import { MessageDispatcher } from './message-dispatcher.js';
import { WechatMessageService } from './wechat-message.service.js';

/** The message URL: verification, deduplication, the full-release robot, the host's handlers. */
@Module({
  imports: [WechatOpenCoreModule, AuthorizerModule],
  providers: [
    MessageDedupeRepository,
    MessageDispatcher,
    FullReleaseRobot,
    MessageDedupeCron,
    WechatMessageService,
  ],
  exports: [WechatMessageService],
})
export class MessagesModule {}
