import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ComponentTokenService } from '../component-ticket/component-token.service.js';
import { Clock } from '../core/clock.js';
import { JobQueue } from '../jobs/job-queue.service.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { AuthorizerRepository } from './authorizer.repository.js';
import { AuthorizerProfile } from './authorizer.types.js';
import { profileRetryDelayMs } from './refresh-plan.js';
import { JOB_QUEUE } from '../core/internal-tokens.js';

/** Profile fetches in flight at once in a scheduled run. */
const PROFILE_CONCURRENCY = 4;
const PROFILE_JOB = 'authorizer.profile';

/**
 * Accounts' profiles (api_get_authorizer_info): fetched after an authorization, kept fresh by a
 * scheduled run, each account backing off on its own when its fetch fails.
 */
@Injectable()
export class AuthorizerProfileService implements OnModuleInit {
  private readonly logger = new Logger('AuthorizerProfileService');

  constructor(
    private readonly repo: AuthorizerRepository,
    private readonly componentTokens: ComponentTokenService,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
    private readonly clock: Clock,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  onModuleInit(): void {
    this.jobs.register(PROFILE_JOB, async (payload, ctx) => {
      const p = payload as { authorizerAppid: string };
      await this.refreshProfile(ctx.componentAppid, p.authorizerAppid);
    });
  }

  /** Fetches api_get_authorizer_info and stores the profile (and granted permissions). */
  async refreshProfile(
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<AuthorizerProfile> {
    const answer = await this.componentTokens.post(
      componentAppid,
      '/cgi-bin/component/api_get_authorizer_info',
      {
        component_appid: componentAppid,
        authorizer_appid: authorizerAppid,
      },
    );
    const profile = parseProfile(answer);
    await this.repo.saveProfile(componentAppid, authorizerAppid, profile, this.clock.now());
    return profile;
  }

  /** Fetches the profile now; when that fails, queues the fetch (retried until done). */
  async refreshOrQueue(componentAppid: string, authorizerAppid: string, now: Date): Promise<void> {
    await this.refreshProfile(componentAppid, authorizerAppid).catch(async (error: unknown) => {
      this.logger.warn(`profile of ${authorizerAppid} not fetched yet (${String(error)}); queued`);
      await this.queue(componentAppid, authorizerAppid, now);
    });
  }

  /** Queues a profile fetch (retried until done). */
  async queue(componentAppid: string, authorizerAppid: string, now: Date): Promise<void> {
    await this.jobs.enqueue(PROFILE_JOB, componentAppid, `${authorizerAppid}:${now.getTime()}`, {
      authorizerAppid,
    });
  }

  /**
   * Profiles older than profileMaxAgeSec, up to profileBatchSize per run, a few at a time. An
   * account whose fetch fails backs off on its own (15 min doubling, at most profileMaxAgeSec),
   * so accounts that keep failing never hold the line ahead of the others. Returns how many were
   * due in this run.
   */
  async refreshStaleProfiles(limit = this.options.authorizer.profileBatchSize): Promise<number> {
    const { profileMaxAgeSec } = this.options.authorizer;
    const now = this.clock.now();
    const due = await this.repo.profileDue(
      new Date(now.getTime() - profileMaxAgeSec * 1000),
      now,
      limit,
    );
    const queue = [...due];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const { componentAppid, authorizerAppid, failureCount } = next;
        try {
          await this.refreshProfile(componentAppid, authorizerAppid);
        } catch (error) {
          const delay = profileRetryDelayMs(failureCount + 1, profileMaxAgeSec * 1000);
          this.logger.warn(
            `profile refresh of ${authorizerAppid} failed (${String(error)}); next try in ${Math.round(delay / 60_000)} min`,
          );
          await this.repo
            .saveProfileFailure(
              componentAppid,
              authorizerAppid,
              new Date(this.clock.nowMs() + delay),
            )
            .catch((e: unknown) =>
              this.logger.error(
                `could not record the profile backoff of ${authorizerAppid}: ${String(e)}`,
              ),
            );
        }
      }
    };
    // A few in parallel: one account that is slow to answer does not hold up the batch.
    await Promise.all(Array.from({ length: Math.min(PROFILE_CONCURRENCY, due.length) }, worker));
    return due.length;
  }
}

/** Reads api_get_authorizer_info tolerantly (old samples put qrcode_url outside authorizer_info). */
export function parseProfile(answer: Record<string, unknown>): AuthorizerProfile {
  const info = (answer.authorizer_info ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const id = (v: unknown) => {
    const n = Number((v as { id?: unknown } | undefined)?.id);
    return Number.isFinite(n) ? n : null;
  };
  return {
    accountKind: info.MiniProgramInfo ? 'mini_program' : 'official_account',
    nickName: str(info.nick_name),
    userName: str(info.user_name),
    alias: str(info.alias),
    principalName: str(info.principal_name),
    signature: str(info.signature),
    serviceType: id(info.service_type_info),
    verifyType: id(info.verify_type_info),
    accountStatus: typeof info.account_status === 'number' ? info.account_status : null,
    headImg: str(info.head_img),
    qrcodeUrl: str(info.qrcode_url) ?? str(answer.qrcode_url),
  };
}
