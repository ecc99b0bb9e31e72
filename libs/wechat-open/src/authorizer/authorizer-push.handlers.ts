import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import {
  APPLIED,
  ComponentEvent,
  ComponentEventHandler,
  EventDisposition,
  WechatEventBus,
} from '../events/event-bus.js';
import type { FastRegisterPayload } from '../events/info-type-payloads.js';
import { parseInfoTypePayload } from '../events/info-type-parsers.js';
import { JobQueue, PermanentJobError } from '../jobs/job-queue.service.js';
import { optionalField, requireField } from '../xml/wechat-xml.js';
import { AuthorizationRedemptionService } from './authorization-redemption.service.js';
import { olderPush } from './authorizer-record.js';
import { AuthorizerRegistryService } from './authorizer-registry.service.js';
import { AuthorizationCodeError } from './authorizer.errors.js';
import { ChangeCause } from './authorizer.types.js';
import { sha256 } from './code-hash.js';
import { EVENT_BUS, JOB_QUEUE } from '../core/internal-tokens.js';

const REDEEM_JOB = 'authorizer.redeem';

/** The redeem job's payload (encrypted in wechat_job). */
interface RedeemJob {
  code: string;
  preAuthCode: string | null;
  cause: ChangeCause;
  /** Absent in jobs stored before these fields existed. */
  authorizerAppid?: string | null;
  eventTime?: string;
}

interface AuthorizedPush {
  code: string;
  authorizerAppid: string | null;
  preAuthCode: string | null;
}

/**
 * The authorization pushes (authorized, updateauthorized, unauthorized, and the fast registration
 * of a mini program, whose auth_code authorizes it) on the event bus. A push older than the
 * account's last state change is ignored (and written to its history); a code is recorded as a
 * job before WeChat gets its `success`, and redeemed right after.
 */
@Injectable()
export class AuthorizerPushHandlers implements OnModuleInit {
  constructor(
    @Inject(EVENT_BUS) private readonly bus: WechatEventBus,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
    private readonly registry: AuthorizerRegistryService,
    private readonly redemption: AuthorizationRedemptionService,
  ) {}

  onModuleInit(): void {
    const authorized: ComponentEventHandler<AuthorizedPush> = {
      parse: (fields) => ({
        code: requireField(fields, 'AuthorizationCode'),
        authorizerAppid: optionalField(fields, 'AuthorizerAppid') || null,
        preAuthCode: optionalField(fields, 'PreAuthCode') || null,
      }),
      handle: async (event, push) => {
        if (push.authorizerAppid) {
          const older = await this.olderThanLastChange(event, push.authorizerAppid);
          if (older) return older;
        }
        // Recorded before WeChat gets its `success`; redeemed right after, retried until done.
        await this.jobs.enqueue(REDEEM_JOB, event.componentAppid, sha256(push.code), {
          code: push.code,
          preAuthCode: push.preAuthCode,
          authorizerAppid: push.authorizerAppid,
          eventTime: event.createTime.toISOString(),
          cause: `push:${event.infoType}`,
        });
        return APPLIED;
      },
    };
    this.bus.on('authorized', authorized);
    this.bus.on('updateauthorized', authorized);
    this.bus.on('unauthorized', {
      parse: (fields) => requireField(fields, 'AuthorizerAppid'),
      handle: (event, authorizerAppid) =>
        this.registry.revoke(
          event.componentAppid,
          authorizerAppid,
          'push:unauthorized',
          event.createTime,
        ),
    });
    // A fast registration that succeeded carries an authorization code for the new mini program
    // (WxJava's route() redeems it too): the account joins the registry, without a tenant.
    this.bus.on<FastRegisterPayload>('notify_third_fasteregister', {
      // The event service has already refused unusable content with the same parser (the
      // CreateTime plays no part in this payload).
      parse: (fields) =>
        parseInfoTypePayload(
          'notify_third_fasteregister',
          fields,
          new Date(0),
        ) as FastRegisterPayload,
      handle: async (event, registration) => {
        if (registration.status !== 0) {
          return {
            outcome: 'ignored',
            reason: `the registration failed (status ${registration.status})`,
          };
        }
        if (!registration.authCode) {
          return { outcome: 'ignored', reason: 'the registration carries no auth_code' };
        }
        await this.jobs.enqueue(REDEEM_JOB, event.componentAppid, sha256(registration.authCode), {
          code: registration.authCode,
          preAuthCode: null,
          authorizerAppid: registration.appid,
          eventTime: event.createTime.toISOString(),
          cause: 'push:notify_third_fasteregister',
        } satisfies RedeemJob);
        return APPLIED;
      },
    });
    this.jobs.register(REDEEM_JOB, async (payload, ctx) => {
      const p = payload as RedeemJob;
      try {
        await this.redemption.redeem(ctx.componentAppid, p.code, {
          cause: p.cause,
          preAuthCode: p.preAuthCode ?? undefined,
          authorizerAppid: p.authorizerAppid ?? undefined,
          eventTime: p.eventTime ? new Date(p.eventTime) : undefined,
        });
      } catch (error) {
        if (error instanceof AuthorizationCodeError)
          throw new PermanentJobError(error.message, { cause: error });
        throw error;
      }
    });
  }

  /** An ignored disposition when the push is older than the account's last state change. */
  private async olderThanLastChange(
    event: ComponentEvent,
    authorizerAppid: string,
  ): Promise<EventDisposition | null> {
    const last = await this.registry.lastStateChange(event.componentAppid, authorizerAppid);
    if (!last || event.createTime.getTime() >= last.getTime()) return null;
    const ignored = olderPush(event.createTime, last);
    await this.registry.recordIgnored(
      undefined,
      event.componentAppid,
      authorizerAppid,
      `push:${event.infoType}` as ChangeCause,
      ignored.reason,
    );
    return ignored;
  }
}
