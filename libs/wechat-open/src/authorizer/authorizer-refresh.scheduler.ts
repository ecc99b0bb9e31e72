import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../core/clock.js';
import { CronTask } from '../core/cron-task.js';
import { ComponentRegistry } from '../core/component-registry.js';
import { RateLimiter } from '../concurrency/rate-limiter.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { AuthorizerTokenRepository, ClaimedToken } from './authorizer-token.repository.js';
import { AuthorizerTokenService, RefreshResult } from './authorizer-token.service.js';
import { AuthorizerService } from './authorizer.service.js';

export type SweepResult = Record<RefreshResult, number> & { claimed: number; claimQueries: number };

/**
 * The refresh sweep: claims due tokens in batches and refreshes them with bounded concurrency
 * and a rate limit. Any number of instances sweep together. A claim's short lease is renewed
 * while this instance holds it (queued or refreshing) and dies with the instance.
 */
@Injectable()
export class AuthorizerRefreshScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuthorizerRefreshScheduler');
  private readonly limiter: RateLimiter;
  private stopped = false;
  private readonly sweepTask = new CronTask(
    'wechat-open:authorizer-refresh',
    async () => {
      const r = await this.sweep();
      if (r.claimed > 0) this.logger.log(`refresh sweep: ${JSON.stringify(r)}`);
    },
    this.logger,
  );
  private readonly profileTask = new CronTask(
    'wechat-open:authorizer-profile',
    () => this.accounts.refreshStaleProfiles(),
    this.logger,
  );

  constructor(
    private readonly repo: AuthorizerTokenRepository,
    private readonly tokens: AuthorizerTokenService,
    private readonly accounts: AuthorizerService,
    private readonly clock: Clock,
    private readonly registry: ComponentRegistry,
    // The host's (ScheduleModule.forRoot()); the core module says clearly when it is missing.
    @Optional()
    @Inject(SchedulerRegistry)
    private readonly scheduler: SchedulerRegistry | undefined,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {
    this.limiter = new RateLimiter(options.authorizer.refreshRatePerSec);
  }

  onApplicationBootstrap(): void {
    if (this.options.authorizer.syncOnStartup) {
      for (const appid of this.registry.appids()) {
        this.accounts
          .syncAuthorizerList(appid)
          .catch((e: unknown) =>
            this.logger.error(`start-up sync of ${appid} failed: ${String(e)}`),
          );
      }
    }
    if (!this.options.schedulers) return;
    this.sweepTask.start(this.scheduler, this.options.authorizer.refreshCron);
    this.profileTask.start(this.scheduler, this.options.authorizer.profileCron);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.sweepTask.stop(this.scheduler), this.profileTask.stop(this.scheduler)]);
  }

  /** Runs one sweep now unless one is running (the cron's tick). */
  tick(): void {
    this.sweepTask.tick();
  }

  /** Refreshes every token due now; resolves when none is left (tests and benchmarks call it). */
  async sweep(): Promise<SweepResult> {
    const { refreshConcurrency: concurrency, refreshBatchSize: batchSize } =
      this.options.authorizer;
    const result: SweepResult = {
      claimed: 0,
      claimQueries: 0,
      ok: 0,
      stale: 0,
      revoked: 0,
      needs_reauth: 0,
      quota: 0,
      retry_later: 0,
    };
    /** Claims with the release of their lease renewal. */
    const queue: { claim: ClaimedToken; release: () => void }[] = [];
    let exhausted = false;
    let refilling: Promise<void> | undefined;
    /** A failed claim stops claiming; what was claimed is still refreshed, then the sweep fails. */
    let claimError: { error: unknown } | undefined;
    const refill = () => {
      refilling ??= (async () => {
        const now = this.clock.now();
        const batch = await this.repo.claimDue(
          this.options.instanceId,
          now,
          new Date(now.getTime() + this.tokens.leaseMs),
          batchSize,
        );
        result.claimQueries++;
        result.claimed += batch.length;
        if (batch.length < batchSize) exhausted = true;
        // Renewed from the claim on, while queued too: a batch may wait longer than a lease.
        queue.push(...batch.map((claim) => ({ claim, release: this.tokens.holdLease(claim) })));
      })()
        .catch((error: unknown) => {
          claimError ??= { error };
          exhausted = true;
        })
        .finally(() => (refilling = undefined));
      return refilling;
    };
    /** Refreshes WeChat has answered whose result is still being stored. */
    const storing = new Set<Promise<void>>();
    // Resolves once WeChat has answered: the slot is then free, and storing the result (grouped
    // with others) goes on in the background while the worker calls WeChat for the next token.
    const refresh = ({ claim, release }: (typeof queue)[number]) =>
      new Promise<void>((answered) => {
        const stored: Promise<void> = this.tokens
          .refreshClaimed(claim, 'schedule', { onAnswered: answered })
          .catch((error: unknown) => {
            this.logger.error(`refresh of ${claim.authorizerAppid} failed: ${String(error)}`);
            return 'retry_later' as const;
          })
          .then((outcome) => {
            result[outcome]++;
          })
          .finally(() => {
            release();
            answered();
            storing.delete(stored);
          });
        storing.add(stored);
      });
    const worker = async () => {
      for (;;) {
        if (!exhausted && !this.stopped && queue.length < concurrency) void refill();
        const next = queue.shift();
        if (next) {
          const wait = this.limiter.take();
          if (wait) await wait;
          await refresh(next);
          continue;
        }
        if (refilling) {
          await refilling;
          continue;
        }
        if (exhausted || this.stopped) return;
      }
    };
    await refill();
    await Promise.all(Array.from({ length: concurrency }, worker));
    // Nothing is left to start: the last results need not wait for others to join their group.
    this.tokens.flushWrites();
    await Promise.all(storing);
    if (claimError) throw claimError.error;
    return result;
  }
}
