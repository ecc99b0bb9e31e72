import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { WechatApiError } from '../client/wechat-api.errors.js';
import { ComponentTokenService } from '../component-ticket/component-token.service.js';
import { Clock } from '../core/clock.js';
import { SecretBox } from '../core/secret-box.js';
import {
  APPLIED,
  ComponentEvent,
  ComponentEventHandler,
  EventDisposition,
  WechatEventBus,
} from '../events/event-bus.js';
import { JobQueue, PermanentJobError } from '../jobs/job-queue.service.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { optionalField, requireField } from '../xml/wechat-xml.js';
import { AuthorizerTokenRepository } from './authorizer-token.repository.js';
import {
  AuthorizationCodeBusyError,
  AuthorizationCodeError,
  AuthorizerNotFoundError,
} from './authorizer.errors.js';
import { AuthorizerEvents } from './authorizer.events.js';
import { AuthorizerRepository, diffRecords } from './authorizer.repository.js';
import {
  AuthorizerProfile,
  AuthorizerRecord,
  ChangeCause,
  TenantBinding,
  TenantResolver,
} from './authorizer.types.js';
import { planNextRefresh, profileRetryDelayMs } from './refresh-plan.js';

export interface RedeemContext {
  cause: ChangeCause;
  /** WeChat's CreateTime of the push that carried the code (orders state changes). */
  eventTime?: Date;
  /** The account the push named (the landing does not know it). */
  authorizerAppid?: string;
  /** The pre_auth_code the push carried, to find the tenant's session. */
  preAuthCode?: string;
  /** The tenant, when the caller knows it (the landing redirect). */
  tenant?: TenantBinding;
}

export interface RedeemResult {
  authorizerAppid: string;
  tenantId: string | null;
  /** 'ok', or 'tenant_conflict' when the account stayed with its previous tenant. */
  outcome: 'ok' | 'tenant_conflict';
  /** True when the other path (push or landing) had already redeemed the code. */
  alreadyRedeemed: boolean;
}

const CODE_LEASE_MS = 30_000;
/** How long a redemption waits for a concurrent one (the other path) before the caller retries. */
const CODE_WAIT_MS = 20_000;

/** WeChat's answer for a code, kept sealed on its row until the redemption is stored. */
interface KeptAnswer {
  /** WeChat's authorization_info. */
  info: Record<string, unknown>;
  /** When WeChat answered (ISO): the access token's life counts from then. */
  receivedAt: string;
  /** api_query_auth, or api_get_authorizer_info for a code recovered after a 61009. */
  source: 'api_query_auth' | 'api_get_authorizer_info';
}

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

/** A state change's time on our clock, in whole seconds like WeChat's CreateTime. */
const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);

const olderPush = (
  createTime: Date,
  last: Date,
): Extract<EventDisposition, { outcome: 'ignored' }> => ({
  outcome: 'ignored',
  reason: `older (${createTime.toISOString()}) than the last state change of the account (${last.toISOString()})`,
});
/** Profile fetches in flight at once in a scheduled run. */
const PROFILE_CONCURRENCY = 4;
const REDEEM_JOB = 'authorizer.redeem';
const PROFILE_JOB = 'authorizer.profile';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

interface FuncInfoItem {
  funcscope_category?: { id?: number };
}

/**
 * The registry of authorized accounts: one record per (component, account), kept by the
 * authorization pushes and the landing redirect, with every change appended to history.
 */
@Injectable()
export class AuthorizerService implements OnModuleInit {
  private readonly logger = new Logger('AuthorizerService');
  private tenantResolver?: TenantResolver;

  constructor(
    private readonly repo: AuthorizerRepository,
    private readonly tokens: AuthorizerTokenRepository,
    private readonly componentTokens: ComponentTokenService,
    private readonly bus: WechatEventBus,
    private readonly jobs: JobQueue,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly events: AuthorizerEvents,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
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
        this.revoke(event.componentAppid, authorizerAppid, 'push:unauthorized', event.createTime),
    });
    this.jobs.register(REDEEM_JOB, async (payload, ctx) => {
      const p = payload as RedeemJob;
      try {
        await this.redeem(ctx.componentAppid, p.code, {
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
    this.jobs.register(PROFILE_JOB, async (payload, ctx) => {
      const p = payload as { authorizerAppid: string };
      await this.refreshProfile(ctx.componentAppid, p.authorizerAppid);
    });
  }

  /** An ignored disposition when the push is older than the account's last state change. */
  private async olderThanLastChange(
    event: ComponentEvent,
    authorizerAppid: string,
  ): Promise<EventDisposition | null> {
    const last = await this.repo.stateEventAt(event.componentAppid, authorizerAppid);
    if (!last || event.createTime.getTime() >= last.getTime()) return null;
    const ignored = olderPush(event.createTime, last);
    await this.recordIgnored(
      undefined,
      event.componentAppid,
      authorizerAppid,
      `push:${event.infoType}` as ChangeCause,
      ignored.reason,
    );
    return ignored;
  }

  /**
   * Writes an ignored push into the account's history: the event log stores a push once, so a
   * replay that arrives after the state moved on is visible to DBAs here.
   */
  private async recordIgnored(
    m: EntityManager | undefined,
    componentAppid: string,
    authorizerAppid: string,
    cause: ChangeCause,
    reason: string,
  ): Promise<void> {
    const record = await this.repo.find(componentAppid, authorizerAppid, m);
    await this.repo.appendHistory(m, {
      componentAppid,
      authorizerAppid,
      tenantId: record?.tenantId ?? null,
      action: 'push_ignored',
      changes: {},
      cause,
      actor: this.options.instanceId,
      at: this.clock.now(),
      note: reason,
    });
  }

  /** PreAuth tells the registry which tenant a pre_auth_code was created for. */
  useTenantResolver(resolver: TenantResolver): void {
    this.tenantResolver = resolver;
  }

  async find(componentAppid: string, authorizerAppid: string): Promise<AuthorizerRecord | null> {
    return this.repo.find(componentAppid, authorizerAppid);
  }

  async get(componentAppid: string, authorizerAppid: string): Promise<AuthorizerRecord> {
    const record = await this.repo.find(componentAppid, authorizerAppid);
    if (!record) throw new AuthorizerNotFoundError(authorizerAppid, componentAppid);
    return record;
  }

  listByTenant(tenantId: string, componentAppid?: string): Promise<AuthorizerRecord[]> {
    return this.repo.listByTenant(tenantId, componentAppid);
  }

  history(componentAppid: string, authorizerAppid: string) {
    return this.repo.history(componentAppid, authorizerAppid);
  }

  tokenHealth(componentAppid: string, authorizerAppid: string) {
    return this.tokens.health(componentAppid, authorizerAppid);
  }

  /**
   * Redeems an authorization code (api_query_auth) exactly once between the push and the
   * landing: the first caller exchanges it, a concurrent one waits for that result, a later one
   * reads it. WeChat spends the code on its first answer, so that answer is kept on the code's
   * row before anything else can fail, and a retry finishes from it; a 61009 for a code whose
   * answer was lost (a timeout) is recovered from api_get_authorizer_info when the push named the
   * account.
   */
  async redeem(componentAppid: string, code: string, ctx: RedeemContext): Promise<RedeemResult> {
    const codeHash = sha256(code);
    const deadline = this.clock.nowMs() + CODE_WAIT_MS;
    for (;;) {
      const now = this.clock.now();
      const claim = await this.repo.claimCode(
        codeHash,
        componentAppid,
        ctx.preAuthCode ? sha256(ctx.preAuthCode) : null,
        now,
        new Date(now.getTime() + CODE_LEASE_MS),
      );
      if (claim.status === 'claimed')
        return this.exchange(componentAppid, code, codeHash, ctx, claim.answerCiphertext);
      if (claim.status === 'failed') {
        // The landing knows no account: its 61009 may be the answer to a call of ours whose
        // answer was lost. The push names the account and can still recover it.
        if (claim.outcome === 'errcode 61009' && ctx.authorizerAppid) {
          const recovered = await this.recoverSpentCode(componentAppid, codeHash, ctx);
          if (recovered) return this.store(componentAppid, codeHash, recovered, ctx);
        }
        throw new AuthorizationCodeError(null, `the code was already refused: ${claim.outcome}`);
      }
      if (claim.status === 'redeemed' && claim.authorizerAppid) {
        const result = await this.applyTenant(componentAppid, claim.authorizerAppid, ctx);
        return { ...result, alreadyRedeemed: true };
      }
      // Not a refusal: the job retries, and by then the other attempt's lease has run out.
      if (this.clock.nowMs() > deadline) throw new AuthorizationCodeBusyError();
      await sleep(100);
    }
  }

  /** Under the code's claim: WeChat's answer (kept, or asked for now), then the registry. */
  private async exchange(
    componentAppid: string,
    code: string,
    codeHash: string,
    ctx: RedeemContext,
    keptCiphertext: string | null,
  ): Promise<RedeemResult> {
    let answer: KeptAnswer;
    try {
      if (keptCiphertext) {
        answer = this.openKept(keptCiphertext);
        this.logger.log(
          `finishing the redemption of ${String(answer.info.authorizer_appid)} from the answer an earlier attempt kept`,
        );
      } else {
        answer = await this.queryAuth(componentAppid, code, codeHash, ctx);
      }
    } catch (error) {
      if (!(error instanceof AuthorizationCodeError)) await this.releaseCode(codeHash);
      throw error;
    }
    try {
      return await this.store(componentAppid, codeHash, answer, ctx);
    } catch (error) {
      // The answer is kept: the next attempt (the job's retry, or the other path) claims the code
      // at once and finishes from it without asking WeChat again.
      await this.releaseCode(codeHash);
      throw error;
    }
  }

  /** api_query_auth, its answer kept on the code's row the moment it arrives. */
  private async queryAuth(
    componentAppid: string,
    code: string,
    codeHash: string,
    ctx: RedeemContext,
  ): Promise<KeptAnswer> {
    let answer;
    try {
      answer = await this.componentTokens.post(
        componentAppid,
        '/cgi-bin/component/api_query_auth',
        {
          component_appid: componentAppid,
          authorization_code: code,
        },
      );
    } catch (error) {
      if (
        !(error instanceof WechatApiError) ||
        (error.errcode !== 61009 && error.errcode !== 61010)
      )
        throw error;
      if (error.errcode === 61009) {
        const recovered = await this.recoverSpentCode(componentAppid, codeHash, ctx);
        if (recovered) return recovered;
      }
      await this.repo.finishCode(
        codeHash,
        'failed',
        null,
        `errcode ${error.errcode}`,
        this.clock.now(),
      );
      throw new AuthorizationCodeError(
        error.errcode,
        error.errcode === 61010 ? 'the code has expired' : 'the code is invalid or used',
      );
    }
    const kept: KeptAnswer = {
      info: (answer.authorization_info ?? {}) as Record<string, unknown>,
      receivedAt: this.clock.now().toISOString(),
      source: 'api_query_auth',
    };
    try {
      await this.repo.keepCodeAnswer(codeHash, this.box.seal(JSON.stringify(kept)));
    } catch (error) {
      // Nothing better to do than carry on from memory: if the registry write fails too, the
      // push's retry recovers the account through api_get_authorizer_info.
      this.logger.error(
        `could not keep the api_query_auth answer of ${String(kept.info.authorizer_appid)} (${String(error)}); finishing from memory`,
      );
    }
    return kept;
  }

  /**
   * After a 61009: the code was spent, by a call of ours whose answer was lost or by the other
   * path. The answer that path kept, else (when the push named the account) what
   * api_get_authorizer_info says: the refresh token and the granted permissions. Null when the
   * account has not authorized us (61003) or cannot be known: the code really is refused.
   */
  private async recoverSpentCode(
    componentAppid: string,
    codeHash: string,
    ctx: RedeemContext,
  ): Promise<KeptAnswer | null> {
    const kept = await this.repo.findCodeAnswer(codeHash);
    if (kept) return this.openKept(kept);
    const authorizerAppid = ctx.authorizerAppid;
    if (!authorizerAppid) return null;
    let answer;
    try {
      answer = await this.componentTokens.post(
        componentAppid,
        '/cgi-bin/component/api_get_authorizer_info',
        { component_appid: componentAppid, authorizer_appid: authorizerAppid },
      );
    } catch (error) {
      if (error instanceof WechatApiError && error.errcode === 61003) return null;
      throw error;
    }
    const info = (answer.authorization_info ?? {}) as Record<string, unknown>;
    const refreshToken = info.authorizer_refresh_token;
    const appid = info.authorizer_appid ?? authorizerAppid;
    if (typeof refreshToken !== 'string' || refreshToken === '' || appid !== authorizerAppid)
      return null;
    this.logger.warn(
      `api_query_auth refused a spent code of ${authorizerAppid} (61009); recovered the authorization from api_get_authorizer_info`,
    );
    return {
      // No access token here: the refresh sweep mints one at once.
      info: {
        authorizer_appid: authorizerAppid,
        authorizer_refresh_token: refreshToken,
        func_info: info.func_info,
      },
      receivedAt: this.clock.now().toISOString(),
      source: 'api_get_authorizer_info',
    };
  }

  private openKept(ciphertext: string): KeptAnswer {
    return JSON.parse(this.box.open(ciphertext)) as KeptAnswer;
  }

  /** Gives up the claim after a failure so the next attempt may claim it at once. */
  private async releaseCode(codeHash: string): Promise<void> {
    await this.repo
      .reopenCode(codeHash, this.clock.now())
      .catch((e: unknown) => this.logger.warn(`could not release the code claim: ${String(e)}`));
  }

  /** Stores the authorization (record, history, tokens) and settles the code, in one transaction. */
  private async store(
    componentAppid: string,
    codeHash: string,
    answer: KeptAnswer,
    ctx: RedeemContext,
  ): Promise<RedeemResult> {
    const info = answer.info;
    const authorizerAppid = String(info.authorizer_appid);
    const funcInfo = ((info.func_info as FuncInfoItem[] | undefined) ?? [])
      .map((f) => Number(f.funcscope_category?.id))
      .filter((id) => Number.isInteger(id));
    const tenant =
      ctx.tenant ??
      (ctx.preAuthCode && this.tenantResolver
        ? await this.tenantResolver(componentAppid, ctx.preAuthCode)
        : null);
    const now = this.clock.now();
    // The access token's life started when WeChat answered, which may be a while ago.
    const receivedAt = new Date(answer.receivedAt);
    const { record, outcome } = await this.repo.transaction(async (m) => {
      const before = await this.repo.find(componentAppid, authorizerAppid, m);
      const { tenantId, outcome } = this.decideTenant(before, tenant);
      const after: AuthorizerRecord = {
        ...(before ?? blankRecord(componentAppid, authorizerAppid)),
        tenantId,
        status: 'authorized',
        funcInfo: [...funcInfo].sort((a, b) => a - b),
        authorizedAt:
          before?.status === 'authorized' && before.authorizedAt ? before.authorizedAt : now,
        revokedAt: null,
        updatedAt: now,
      };
      await this.repo.save(m, after);
      await this.repo.advanceStateEvent(
        m,
        componentAppid,
        authorizerAppid,
        ctx.eventTime ?? wholeSeconds(now),
        false,
      );
      await this.repo.appendHistory(m, {
        componentAppid,
        authorizerAppid,
        tenantId,
        action: !before
          ? 'authorized'
          : before.status !== 'authorized'
            ? 'reauthorized'
            : 'updated',
        changes: diffRecords(before, after),
        cause: ctx.cause,
        actor: this.options.instanceId,
        at: now,
      });
      if (typeof info.authorizer_refresh_token === 'string' && info.authorizer_refresh_token) {
        const plan = planNextRefresh(
          receivedAt.getTime(),
          Number(info.expires_in ?? 7200),
          this.options.authorizer.refreshMarginSec,
          this.options.authorizer.refreshJitterSec,
        );
        const access =
          typeof info.authorizer_access_token === 'string' ? info.authorizer_access_token : null;
        await this.tokens.upsertTokens(
          m,
          componentAppid,
          authorizerAppid,
          {
            accessTokenCiphertext: access ? this.box.seal(access) : null,
            refreshTokenCiphertext: this.box.seal(info.authorizer_refresh_token),
            expiresAt: access ? plan.expiresAt : null,
            nextRefreshAt: access ? plan.nextRefreshAt : now,
          },
          access ? receivedAt : now,
        );
      }
      await this.repo.finishCode(codeHash, 'redeemed', authorizerAppid, outcome, now, m);
      return { record: after, outcome };
    });
    this.logger.log(
      `authorized ${authorizerAppid} for ${componentAppid} (tenant ${record.tenantId ?? '-'}, ${ctx.cause}` +
        `${answer.source === 'api_query_auth' ? '' : `, from ${answer.source}`})`,
    );
    this.events.emit('authorized', { record, cause: ctx.cause });
    if (outcome === 'tenant_conflict' && tenant) {
      this.events.emit('tenant_conflict', { record, requestedTenant: tenant.tenantId });
    }
    await this.refreshProfile(componentAppid, authorizerAppid).catch(async (error: unknown) => {
      this.logger.warn(`profile of ${authorizerAppid} not fetched yet (${String(error)}); queued`);
      await this.jobs.enqueue(PROFILE_JOB, componentAppid, `${authorizerAppid}:${now.getTime()}`, {
        authorizerAppid,
      });
    });
    return { authorizerAppid, tenantId: record.tenantId, outcome, alreadyRedeemed: false };
  }

  /** The second path of a redemption: bind the tenant it carries, under the same policy. */
  private async applyTenant(componentAppid: string, authorizerAppid: string, ctx: RedeemContext) {
    const tenant =
      ctx.tenant ??
      (ctx.preAuthCode && this.tenantResolver
        ? await this.tenantResolver(componentAppid, ctx.preAuthCode)
        : null);
    return this.repo.transaction(async (m) => {
      const before = await this.repo.find(componentAppid, authorizerAppid, m);
      if (!before) throw new AuthorizerNotFoundError(authorizerAppid, componentAppid);
      const { tenantId, outcome } = this.decideTenant(before, tenant);
      if (tenantId !== before.tenantId) {
        const now = this.clock.now();
        const after = { ...before, tenantId, updatedAt: now };
        await this.repo.save(m, after);
        await this.repo.appendHistory(m, {
          componentAppid,
          authorizerAppid,
          tenantId,
          action: 'tenant_bound',
          changes: diffRecords(before, after),
          cause: ctx.cause,
          actor: this.options.instanceId,
          at: now,
        });
      }
      return { authorizerAppid, tenantId, outcome };
    });
  }

  private decideTenant(before: AuthorizerRecord | null, tenant: TenantBinding | null | undefined) {
    const current = before?.tenantId ?? null;
    if (!tenant || current === null || current === tenant.tenantId) {
      return { tenantId: tenant?.tenantId ?? current, outcome: 'ok' as const };
    }
    if (this.options.authorizer.tenantConflictPolicy === 'move')
      return { tenantId: tenant.tenantId, outcome: 'ok' as const };
    return { tenantId: current, outcome: 'tenant_conflict' as const };
  }

  /**
   * Marks the account revoked and erases its tokens; the record and its history stay. With
   * `eventTime` (a push), a revocation older than the account's last state change is ignored.
   */
  async revoke(
    componentAppid: string,
    authorizerAppid: string,
    cause: ChangeCause,
    eventTime?: Date,
  ): Promise<EventDisposition> {
    const result = await this.setStatus(
      componentAppid,
      authorizerAppid,
      'revoked',
      cause,
      eventTime,
    );
    if (typeof result === 'object' && result !== null && 'status' in result) {
      this.events.emit('revoked', { record: result, cause });
      return APPLIED;
    }
    return result ?? APPLIED;
  }

  /** The refresh token is lost: stop refreshing and tell the app. */
  async markNeedsReauth(
    componentAppid: string,
    authorizerAppid: string,
    cause: ChangeCause,
  ): Promise<void> {
    const result = await this.setStatus(componentAppid, authorizerAppid, 'needs_reauth', cause);
    if (result && 'status' in result) this.events.emit('needs_reauth', { record: result, cause });
  }

  /** The record after the change; null when nothing changed; a disposition when ignored. */
  private async setStatus(
    componentAppid: string,
    authorizerAppid: string,
    status: 'revoked' | 'needs_reauth',
    cause: ChangeCause,
    eventTime?: Date,
  ): Promise<AuthorizerRecord | EventDisposition | null> {
    const now = this.clock.now();
    return this.repo.transaction(async (m) => {
      const before = await this.repo.find(componentAppid, authorizerAppid, m);
      if (!before) {
        this.logger.warn(
          `${status} for unknown account ${authorizerAppid} of ${componentAppid}; nothing to change`,
        );
        return { outcome: 'ignored', reason: 'unknown account' } satisfies EventDisposition;
      }
      const at = eventTime ?? wholeSeconds(now);
      // A push is ordered by WeChat's CreateTime; our own findings (61003, 61023) are always current.
      const ordered = eventTime !== undefined;
      if (!(await this.repo.advanceStateEvent(m, componentAppid, authorizerAppid, at, ordered))) {
        const last = await this.repo.stateEventAt(componentAppid, authorizerAppid);
        this.logger.warn(
          `ignored ${status} of ${authorizerAppid} (${cause}): older than its last state change`,
        );
        const ignored = olderPush(at, last ?? at);
        await this.recordIgnored(m, componentAppid, authorizerAppid, cause, ignored.reason);
        return ignored;
      }
      if (before.status === status) return null;
      const after: AuthorizerRecord = {
        ...before,
        status,
        updatedAt: now,
        revokedAt: status === 'revoked' ? now : before.revokedAt,
      };
      await this.repo.save(m, after);
      await this.tokens.erase(m, componentAppid, authorizerAppid, status === 'needs_reauth');
      await this.repo.appendHistory(m, {
        componentAppid,
        authorizerAppid,
        tenantId: before.tenantId,
        action: status,
        changes: diffRecords(before, after),
        cause,
        actor: this.options.instanceId,
        at: now,
      });
      this.logger.log(`${authorizerAppid} of ${componentAppid} is now ${status} (${cause})`);
      return after;
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

  /** Looks up the account's refresh token in api_get_authorizer_list (61023 recovery). */
  async recoverRefreshToken(
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<string | null> {
    for await (const item of this.authorizerList(componentAppid)) {
      if (item.authorizer_appid === authorizerAppid) return item.refresh_token || null;
    }
    return null;
  }

  /**
   * api_get_authorizer_list sync: recovers refresh tokens and registers accounts the database
   * does not know (after a restore, say). Returns what it changed.
   */
  async syncAuthorizerList(
    componentAppid: string,
  ): Promise<{ seen: number; created: number; recovered: number }> {
    let seen = 0;
    let created = 0;
    let recovered = 0;
    for await (const item of this.authorizerList(componentAppid)) {
      seen++;
      const refreshToken = item.refresh_token;
      if (!refreshToken) continue;
      const now = this.clock.now();
      const changed = await this.repo.transaction(async (m) => {
        const before = await this.repo.find(componentAppid, item.authorizer_appid, m);
        if (before?.status === 'revoked') return null;
        const stored = before
          ? await this.tokens.find(componentAppid, item.authorizer_appid, m)
          : null;
        const current = stored?.refreshTokenCiphertext
          ? this.box.open(stored.refreshTokenCiphertext)
          : null;
        if (before && current === refreshToken && before.status === 'authorized') return null;
        const after: AuthorizerRecord = {
          ...(before ?? blankRecord(componentAppid, item.authorizer_appid)),
          status: 'authorized',
          authorizedAt:
            before?.authorizedAt ?? (item.auth_time ? new Date(item.auth_time * 1000) : now),
          updatedAt: now,
        };
        await this.repo.save(m, after);
        await this.tokens.upsertTokens(
          m,
          componentAppid,
          item.authorizer_appid,
          {
            accessTokenCiphertext: null,
            refreshTokenCiphertext: this.box.seal(refreshToken),
            expiresAt: null,
            nextRefreshAt: now,
          },
          now,
        );
        await this.repo.appendHistory(m, {
          componentAppid,
          authorizerAppid: item.authorizer_appid,
          tenantId: after.tenantId,
          action: before ? 'recovered' : 'discovered',
          changes: diffRecords(before, after),
          cause: 'sync',
          actor: this.options.instanceId,
          at: now,
        });
        return before ? 'recovered' : 'created';
      });
      if (changed === 'created') created++;
      if (changed === 'recovered') recovered++;
      if (changed === 'created') {
        await this.jobs.enqueue(
          PROFILE_JOB,
          componentAppid,
          `${item.authorizer_appid}:${now.getTime()}`,
          {
            authorizerAppid: item.authorizer_appid,
          },
        );
      }
    }
    this.logger.log(
      `authorizer list sync of ${componentAppid}: ${seen} seen, ${created} new, ${recovered} recovered`,
    );
    return { seen, created, recovered };
  }

  private async *authorizerList(componentAppid: string) {
    const count = 500;
    for (let offset = 0; ; offset += count) {
      const page = await this.componentTokens.post(
        componentAppid,
        '/cgi-bin/component/api_get_authorizer_list',
        {
          component_appid: componentAppid,
          offset,
          count,
        },
      );
      const list = (page.list ?? []) as {
        authorizer_appid: string;
        refresh_token?: string;
        auth_time?: number;
      }[];
      yield* list;
      if (list.length < count || offset + count >= Number(page.total_count ?? 0)) return;
    }
  }
}

function blankRecord(componentAppid: string, authorizerAppid: string): AuthorizerRecord {
  return {
    componentAppid,
    authorizerAppid,
    tenantId: null,
    status: 'authorized',
    accountKind: null,
    nickName: null,
    userName: null,
    alias: null,
    principalName: null,
    signature: null,
    serviceType: null,
    verifyType: null,
    accountStatus: null,
    headImg: null,
    qrcodeUrl: null,
    funcInfo: [],
    authorizedAt: null,
    updatedAt: new Date(0),
    revokedAt: null,
    profileRefreshedAt: null,
  };
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
