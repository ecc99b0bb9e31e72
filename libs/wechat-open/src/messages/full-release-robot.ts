import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AuthorizerService } from '../authorizer/authorizer.service.js';
import { AuthorizerTokenService } from '../authorizer/authorizer-token.service.js';
import { AuthorizationCodeError } from '../authorizer/authorizer.errors.js';
import { sha256 } from '../authorizer/code-hash.js';
import { JOB_QUEUE } from '../core/internal-tokens.js';
import { JobQueue, PermanentJobError } from '../jobs/job-queue.service.js';
import type { WechatReply } from '../handlers/handler.types.js';
import { FullReleaseTestAccount } from './full-release-accounts.js';
import { customerServiceBody } from './passive-reply.js';

const TEXT_CASE = 'TESTCOMPONENT_MSG_TYPE_TEXT';
const QUERY_AUTH_CODE_PREFIX = 'QUERY_AUTH_CODE:';
/** A code as WeChat writes it (`queryauthcode@@@...`): printable ASCII, bounded. */
const CODE_SHAPE = /^[\x21-\x7e]{1,512}$/;

const QUERY_AUTH_CODE_JOB = 'messages.robot_query_auth_code';
const CUSTOMER_TEXT_JOB = 'messages.robot_customer_text';

interface QueryAuthCodeJob {
  code: string;
  authorizerAppid: string;
  toUser: string;
}

interface CustomerTextJob {
  authorizerAppid: string;
  toUser: string;
  content: string;
}

/** A message from a test account, as the robot needs it. */
export interface RobotMessage {
  componentAppid: string;
  authorizerAppid: string;
  msgType: string;
  event: string | null;
  content: string | null;
  fromUser: string;
  /** Identifies the message for the deduplication of the follow-up work. */
  dedupeKey: string;
}

/** The robot's answer: a passive reply, or an empty body (the rest follows through the API). */
export type RobotAnswer = { kind: 'reply'; reply: WechatReply } | { kind: 'empty' };

/**
 * WeChat's full-release (全网发布) robot test (§6.3): the text case answered by a passive reply
 * (official accounts) or through the customer-service API (mini programs, which cannot reply
 * passively), the QUERY_AUTH_CODE case (an empty answer at once, then `<code>_from_api` through
 * the customer-service API with the token the code gives) and the legacy event case. The work
 * after the answer is a durable job: stored before WeChat gets the answer, retried until done.
 */
@Injectable()
export class FullReleaseRobot implements OnModuleInit {
  private readonly logger = new Logger('FullReleaseRobot');

  constructor(
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
    private readonly authorizers: AuthorizerService,
    private readonly tokens: AuthorizerTokenService,
  ) {}

  onModuleInit(): void {
    this.jobs.register(QUERY_AUTH_CODE_JOB, (payload, ctx) =>
      this.answerQueryAuthCode(ctx.componentAppid, payload as QueryAuthCodeJob),
    );
    this.jobs.register(CUSTOMER_TEXT_JOB, async (payload, ctx) => {
      const p = payload as CustomerTextJob;
      await this.sendText(ctx.componentAppid, p.authorizerAppid, p.toUser, p.content);
    });
  }

  /** The robot's answer to a test account's message, or null when it is none of the cases. */
  async answer(
    message: RobotMessage,
    account: FullReleaseTestAccount,
  ): Promise<RobotAnswer | null> {
    const official = account.kind === 'official_account';
    if (message.msgType === 'text' && message.content === TEXT_CASE) {
      const content = `${TEXT_CASE}_callback`;
      if (official) return { kind: 'reply', reply: { type: 'text', content } };
      await this.jobs.enqueue(CUSTOMER_TEXT_JOB, message.componentAppid, message.dedupeKey, {
        authorizerAppid: message.authorizerAppid,
        toUser: message.fromUser,
        content,
      } satisfies CustomerTextJob);
      return { kind: 'empty' };
    }
    if (message.msgType === 'text' && message.content?.startsWith(QUERY_AUTH_CODE_PREFIX)) {
      const code = message.content.slice(QUERY_AUTH_CODE_PREFIX.length);
      if (!CODE_SHAPE.test(code)) return null;
      // Once per code (WeChat's retries of the message, and every instance, share the key).
      await this.jobs.enqueue(QUERY_AUTH_CODE_JOB, message.componentAppid, sha256(code), {
        code,
        authorizerAppid: message.authorizerAppid,
        toUser: message.fromUser,
      } satisfies QueryAuthCodeJob);
      return { kind: 'empty' };
    }
    if (message.msgType === 'event' && message.event && official) {
      return { kind: 'reply', reply: { type: 'text', content: `${message.event}from_callback` } };
    }
    return null;
  }

  /**
   * The code is usually the one WeChat's `authorized` push for the test account carried, and a
   * code is single use (61009 on a second exchange): the registry's redemption exchanges it
   * exactly once between every path, and the token it stored is the one used here.
   */
  private async answerQueryAuthCode(componentAppid: string, job: QueryAuthCodeJob): Promise<void> {
    let redeemedAppid: string;
    try {
      const redeemed = await this.authorizers.redeem(componentAppid, job.code, {
        cause: 'api',
        authorizerAppid: job.authorizerAppid,
      });
      redeemedAppid = redeemed.authorizerAppid;
    } catch (error) {
      if (error instanceof AuthorizationCodeError)
        throw new PermanentJobError(error.message, { cause: error });
      throw error;
    }
    if (redeemedAppid !== job.authorizerAppid) {
      throw new PermanentJobError('the QUERY_AUTH_CODE code authorizes another account');
    }
    await this.sendText(componentAppid, redeemedAppid, job.toUser, `${job.code}_from_api`);
  }

  private async sendText(
    componentAppid: string,
    authorizerAppid: string,
    toUser: string,
    content: string,
  ): Promise<void> {
    await this.tokens.call(authorizerAppid, '/cgi-bin/message/custom/send', {
      method: 'POST',
      body: customerServiceBody(toUser, { type: 'text', content }),
      componentAppid,
    });
    this.logger.log(`full-release test: customer-service answer sent for ${authorizerAppid}`);
  }
}
