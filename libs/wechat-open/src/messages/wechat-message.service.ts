import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuthorizerTokenService } from '../authorizer/authorizer-token.service.js';
import { AuthorizerRepository } from '../authorizer/authorizer.repository.js';
import { WechatResponse } from '../client/wechat-api.client.js';
import { Clock } from '../core/clock.js';
import { AUTHORIZER_RECORDS } from '../core/internal-tokens.js';
import { ComponentRegistry, UnknownComponentError } from '../core/component-registry.js';
import { constantTimeEqual, plainSignature } from '../crypto/signature.js';
import { WechatCryptoError } from '../errors/crypto.errors.js';
import { checkFreshness } from '../events/push-query.js';
import { OpenedPush, PushOpener } from '../events/push-opener.js';
import type { WechatMessageContext, WechatReply } from '../handlers/handler.types.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { optionalField, requireField } from '../xml/wechat-xml.js';
import { findFullReleaseTestAccount } from './full-release-accounts.js';
import { FullReleaseRobot } from './full-release-robot.js';
import { DedupeKey, MessageDedupeRepository } from './message-dedupe.repository.js';
import { MessageDispatcher } from './message-dispatcher.js';
import { checkMessageExtras, readEchoQuery } from './message-query.js';
import { MessageWrongAccountError } from './message.errors.js';
import { MessageAnswer, MessageResult, PLAIN_TEXT, successAnswer, XML } from './message.types.js';
import { buildPassiveReplyXml, customerServiceBody } from './passive-reply.js';

/** An appid as it may appear in a URL: anything else is no account of ours (not looked up). */
const APPID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The message URL (消息与事件接收URL, §6): user messages and events of every authorized account.
 * Verified and decrypted with the component's keys under the event URL's rules, deduplicated
 * across instances, then answered by the full-release robot (its test accounts) or dispatched to
 * the host's `@OnWechatMessage` handlers, whose reply is encrypted and signed (§3.6).
 */
@Injectable()
export class WechatMessageService {
  private readonly logger = new Logger('WechatMessageService');

  constructor(
    private readonly components: ComponentRegistry,
    private readonly opener: PushOpener,
    @Inject(AUTHORIZER_RECORDS) private readonly authorizers: AuthorizerRepository,
    private readonly tokens: AuthorizerTokenService,
    private readonly dedupe: MessageDedupeRepository,
    private readonly dispatcher: MessageDispatcher,
    private readonly robot: FullReleaseRobot,
    private readonly clock: Clock,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  /**
   * Receives a POST on the message URL; `query` and `body` are the request's, unchecked. Bad
   * input (query, freshness, signature, decryption, XML, another account's message) throws a
   * typed error before anything runs or is stored; a message for a component, or an account,
   * this service does not serve is answered `success` (so WeChat stops retrying) and not
   * processed. A critical handler's failure throws MESSAGE_HANDLER_FAILED (answer 503).
   */
  async receive(
    componentAppid: string,
    authorizerAppid: string,
    query: unknown,
    body: unknown,
  ): Promise<MessageAnswer> {
    if (!this.components.has(componentAppid)) return successAnswer('unknown_component', null);
    // The opener reads the signed parameters (each once, in its shape); these are the others.
    checkMessageExtras(query);
    const push = this.opener.open(componentAppid, query, body);
    const { fields } = push;
    const toUser = requireField(fields, 'ToUserName');
    const fromUser = requireField(fields, 'FromUserName');
    const msgType = requireField(fields, 'MsgType');
    // The envelope's ToUserName is outside the signature: it must say what the signed one says.
    // (Present but not text, as a mangled element parses, is refused the same way.)
    const envelopeTo = push.envelope.ToUserName;
    if (envelopeTo !== undefined && envelopeTo !== toUser) {
      throw new MessageWrongAccountError(authorizerAppid, 'the envelope names another account');
    }
    const event =
      msgType.toLowerCase() === 'event' ? (optionalField(fields, 'Event') ?? null) : null;
    const msgId = optionalField(fields, 'MsgId') || null;
    const dedupeKey = messageKey(msgId, fromUser, push.createTime, event);

    // The robot's accounts are recognised by appid or user name, leniently: WeChat's pages
    // disagree on one of the user names (§6.2), and a refused robot message fails the release.
    const testAccount = this.options.messages.fullReleaseTest
      ? findFullReleaseTestAccount(authorizerAppid, toUser)
      : undefined;
    if (testAccount) {
      const answer = await this.robot.answer(
        {
          componentAppid,
          authorizerAppid,
          msgType: msgType.toLowerCase(),
          event,
          content: optionalField(fields, 'Content') ?? null,
          fromUser,
          dedupeKey: `${componentAppid}:${authorizerAppid}:${dedupeKey}`,
        },
        testAccount,
      );
      if (answer?.kind === 'empty') {
        return { status: 200, body: '', contentType: PLAIN_TEXT, result: 'robot', msgType };
      }
      if (answer?.kind === 'reply') {
        return this.replyAnswer(push, answer.reply, fromUser, toUser, 'robot', msgType);
      }
    }

    if (!APPID_SHAPE.test(authorizerAppid)) return successAnswer('unknown_account', msgType);
    // From memory while NOTIFY announces every change of the record (any instance's).
    const account = await this.authorizers.findCached(componentAppid, authorizerAppid);
    if (!account) return successAnswer('unknown_account', msgType);
    if (account.status === 'revoked' || account.status === 'detached') {
      return successAnswer('inactive_account', msgType);
    }
    if (account.userName !== null && account.userName !== toUser) {
      throw new MessageWrongAccountError(
        authorizerAppid,
        "ToUserName is not the account's original id",
      );
    }

    const claim: DedupeKey = { componentAppid, authorizerAppid, dedupeKey };
    if (!(await this.dedupe.claim(claim, this.clock.now(), messageKind(msgType, event)))) {
      return successAnswer('duplicate', msgType);
    }
    const ctx: WechatMessageContext = {
      componentAppid,
      authorizerAppid,
      tenantId: account.tenantId,
      msgType,
      event,
      fromUser,
      toUser,
      createTime: push.createTime,
      msgId,
      fields,
      xml: push.message,
      receivedAt: this.clock.now(),
    };
    const { critical, normal } = this.dispatcher.matching(ctx);
    try {
      await this.dispatcher.runCritical(critical, ctx);
    } catch (error) {
      // WeChat's retry must find the message unclaimed and run the handlers again.
      await this.dedupe.release(claim);
      throw error;
    }
    const outcome = await this.dispatcher.runWithinBudget(normal, ctx);
    if (outcome.kind === 'reply') {
      try {
        return this.replyAnswer(push, outcome.reply, fromUser, toUser, 'replied', msgType);
      } catch (error) {
        this.logger.warn(
          `message handler ${outcome.handler} returned an unusable reply: ${String((error as Error).message)}`,
        );
        return successAnswer('handled', msgType);
      }
    }
    return successAnswer(outcome.kind === 'timed_out' ? 'timed_out' : 'handled', msgType);
  }

  /**
   * A GET on the message URL with `echostr` (the plain-mode check; WeChat documents none for a
   * component, it is answered all the same): verifies `signature` and the freshness window and
   * returns `echostr` to echo. UNKNOWN_COMPONENT, PUSH_BAD_QUERY, PUSH_TIMESTAMP_OUT_OF_WINDOW,
   * CRYPTO_BAD_SIGNATURE otherwise.
   */
  echo(componentAppid: string, query: unknown): string {
    if (!this.components.has(componentAppid)) throw new UnknownComponentError(componentAppid);
    const q = readEchoQuery(query);
    checkFreshness(q.timestamp, this.clock.nowMs(), this.options.pushTimestampWindowSec);
    const expected = plainSignature(
      this.components.config(componentAppid).token,
      q.timestamp,
      q.nonce,
    );
    if (!constantTimeEqual(expected, q.signature.toLowerCase())) {
      throw new WechatCryptoError('CRYPTO_BAD_SIGNATURE', 'signature does not match');
    }
    return q.echostr;
  }

  /**
   * Sends a message to a user through the customer-service API (message/custom/send, §4.12) on
   * the account's behalf: how a handler that needed longer than the reply budget answers. Any
   * reply type but transfer_customer_service (INVALID_REPLY). WeChat accepts it within 48 hours
   * of the user's last message.
   */
  sendCustomerServiceMessage(
    componentAppid: string,
    authorizerAppid: string,
    toUser: string,
    message: WechatReply,
  ): Promise<WechatResponse> {
    return this.tokens.call(authorizerAppid, '/cgi-bin/message/custom/send', {
      method: 'POST',
      body: customerServiceBody(toUser, message),
      componentAppid,
    });
  }

  /** The reply encrypted with the key that opened the message, signed, with the request's nonce. */
  private replyAnswer(
    push: OpenedPush,
    reply: WechatReply,
    fromUser: string,
    toUser: string,
    result: MessageResult,
    msgType: string,
  ): MessageAnswer {
    const now = this.clock.now();
    const xml = buildPassiveReplyXml(reply, {
      toUser: fromUser,
      fromUser: toUser,
      createTime: now,
    });
    const sealed = this.components.crypto(push.componentAppid).seal(xml, {
      timestamp: String(Math.floor(now.getTime() / 1000)),
      nonce: push.query.nonce,
      keyIndex: push.keyIndex,
    });
    return { status: 200, body: sealed.xml, contentType: XML, result, msgType };
  }
}

/** What a message kind may look like once lowercased; anything else is stored as `other`. */
const MESSAGE_KIND = /^[a-z0-9_:.-]{1,64}$/;

/**
 * The message's kind as the dedupe claim stores it: its MsgType, or `event:<Event>` for an
 * event, lowercased; `other` when that is longer than 64 characters or holds anything but
 * `[a-z0-9_:.-]` (the values come from the sender's XML).
 */
export function messageKind(msgType: string, event: string | null): string {
  const lower = msgType.toLowerCase();
  const kind = lower === 'event' ? `event:${(event ?? '').toLowerCase()}` : lower;
  return MESSAGE_KIND.test(kind) ? kind : 'other';
}

/**
 * The message's identity for deduplication (§6.1): its MsgId, else sender, CreateTime and Event
 * for events. Hashed: no openid is stored.
 */
export function messageKey(
  msgId: string | null,
  fromUser: string,
  createTime: Date,
  event: string | null,
): string {
  const parts = msgId
    ? ['msg', msgId]
    : ['evt', fromUser, String(createTime.getTime() / 1000), event ?? ''];
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}
