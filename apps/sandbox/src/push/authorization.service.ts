import { randomBytes } from 'node:crypto';
import {
  BadRequestException,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationShutdown,
} from '@nestjs/common';
import { AccountStore } from '../state/account.store.js';
import { AuthorizationStore } from '../state/authorization.store.js';
import { ComponentStore } from '../state/component.store.js';
import { SettingsStore } from '../state/settings.store.js';
import { TokenStore } from '../state/token.store.js';
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
    private readonly componentStore: ComponentStore,
    private readonly accountStore: AccountStore,
    private readonly authorizationStore: AuthorizationStore,
    private readonly settingsStore: SettingsStore,
    private readonly pusher: PusherService,
    private readonly tokenStore: TokenStore,
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
    const component = this.componentStore.get(input.componentAppid);
    if (!component) throw new NotFoundException(`unknown component ${input.componentAppid}`);
    const account = this.accountStore.get(input.authorizerAppid);
    if (!account) throw new NotFoundException(`unknown account ${input.authorizerAppid}`);
    if (input.requireExisting) this.authorizationStore.active(component.appid, account.appid);
    const funcInfo = input.funcInfo ?? account.funcInfo;
    if (funcInfo.length === 0) throw new BadRequestException('funcInfo must not be empty');
    const { authorization, infoType } = this.authorizationStore.authorize(
      component.appid,
      account.appid,
      funcInfo,
    );
    // New sets: the account's access tokens for this component die now, as on WeChat (§13.2).
    if (infoType === 'updateauthorized') {
      this.tokenStore.endOnReauthorization(component.appid, account.appid);
    }
    const code = this.authorizationStore.issueAuthCode(authorization);
    const expiresIn = this.settingsStore.current.authCodeTtlSec;
    const result: GrantResult = {
      authCode: code.value,
      expiresIn,
      infoType,
      pushed: false,
      pushScheduled: false,
      funcInfo: authorization.funcInfo,
    };
    const timing = this.settingsStore.current.authorizedPushTiming;
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
    }, this.settingsStore.current.afterRedirectPushDelayMs);
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
    const component = this.componentStore.get(componentAppid);
    if (!component) throw new NotFoundException(`unknown component ${componentAppid}`);
    this.authorizationStore.revoke(componentAppid, authorizerAppid);
    const push = await this.pusher.pushEvent(component, 'unauthorized', {
      AuthorizerAppid: authorizerAppid,
    });
    return {
      pushed: push.delivered,
      push: { id: push.record.id, outcome: push.outcome, attempts: push.attempts },
    };
  }
}
