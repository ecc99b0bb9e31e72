import { randomBytes } from 'node:crypto';
import {
  BadRequestException,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationShutdown,
} from '@nestjs/common';
import { SandboxStore } from '../state/sandbox.store.js';
import { PusherService, PushResult } from './pusher.service.js';

export interface GrantResult {
  authCode: string;
  expiresIn: number;
  /** The notice this grant causes: none when a re-authorization left the sets unchanged. */
  infoType: 'authorized' | 'updateauthorized' | null;
  /** Delivered before this call returned. */
  pushed: boolean;
  /** The push goes out later (authorizedPushTiming after_redirect). */
  pushScheduled: boolean;
  push?: { id: number; outcome: PushResult['outcome']; attempts: number };
  funcInfo: number[];
}

/**
 * What happens when an account agrees (on the page or through the control API): the
 * authorization is recorded, an authorization code issued, and the notice pushed before or
 * after the redirect as authorizedPushTiming says.
 */
@Injectable()
export class AuthorizationService implements OnApplicationShutdown {
  private readonly logger = new Logger('SandboxAuthorization');
  private readonly scheduled = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: SandboxStore,
    private readonly pusher: PusherService,
  ) {}

  onApplicationShutdown(): void {
    for (const timer of this.scheduled) clearTimeout(timer);
    this.scheduled.clear();
  }

  async grant(input: {
    componentAppid: string;
    authorizerAppid: string;
    funcInfo?: number[];
    preAuthCode?: string;
    /** Only `updateauthorized` is acceptable (the control API's update route). */
    requireExisting?: boolean;
  }): Promise<GrantResult> {
    const component = this.store.component(input.componentAppid);
    if (!component) throw new NotFoundException(`unknown component ${input.componentAppid}`);
    const account = this.store.account(input.authorizerAppid);
    if (!account) throw new NotFoundException(`unknown account ${input.authorizerAppid}`);
    if (input.requireExisting) this.store.activeAuthorization(component.appid, account.appid);
    const funcInfo = input.funcInfo ?? account.funcInfo;
    if (funcInfo.length === 0) throw new BadRequestException('funcInfo must not be empty');
    const { authorization, infoType } = this.store.authorize(
      component.appid,
      account.appid,
      funcInfo,
    );
    const code = this.store.issueAuthCode(authorization);
    const expiresIn = this.store.settings.authCodeTtlSec;
    const result: GrantResult = {
      authCode: code.value,
      expiresIn,
      infoType,
      pushed: false,
      pushScheduled: false,
      funcInfo: authorization.funcInfo,
    };
    const timing = this.store.settings.authorizedPushTiming;
    if (infoType === null || timing === 'none') return result;
    const fields = {
      AuthorizerAppid: account.appid,
      AuthorizationCode: code.value,
      AuthorizationCodeExpiredTime: Math.floor(code.expiresAtMs / 1000),
      PreAuthCode: input.preAuthCode ?? `preauthcode@@@${randomBytes(36).toString('base64url')}`,
    };
    if (timing === 'before_redirect') {
      const push = await this.pusher.pushEvent(component, infoType, fields);
      result.pushed = push.delivered;
      result.push = { id: push.record.id, outcome: push.outcome, attempts: push.attempts };
      return result;
    }
    const timer = setTimeout(() => {
      this.scheduled.delete(timer);
      this.pusher
        .pushEvent(component, infoType, fields)
        .catch((error: unknown) => this.logger.error(`${infoType} push failed: ${String(error)}`));
    }, this.store.settings.afterRedirectPushDelayMs);
    timer.unref();
    this.scheduled.add(timer);
    result.pushScheduled = true;
    return result;
  }

  /** The account revokes: tokens die (61003) and `unauthorized` is pushed at once. */
  async revoke(
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<{
    pushed: boolean;
    push: { id: number; outcome: PushResult['outcome']; attempts: number };
  }> {
    const component = this.store.component(componentAppid);
    if (!component) throw new NotFoundException(`unknown component ${componentAppid}`);
    this.store.revoke(componentAppid, authorizerAppid);
    const push = await this.pusher.pushEvent(component, 'unauthorized', {
      AuthorizerAppid: authorizerAppid,
    });
    return {
      pushed: push.delivered,
      push: { id: push.record.id, outcome: push.outcome, attempts: push.attempts },
    };
  }
}
