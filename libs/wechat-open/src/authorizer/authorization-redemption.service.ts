import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { WechatApiError } from '../client/wechat-api.errors.js';
import { ComponentTokenService } from '../component-ticket/component-token.service.js';
import { Clock } from '../core/clock.js';
import { SecretBox } from '../core/secret-box.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import { AuthorizationCodeRepository } from './authorization-code.repository.js';
import { AuthorizerProfileService } from './authorizer-profile.service.js';
import { blankRecord, diffRecords, wholeSeconds } from './authorizer-record.js';
import { AuthorizerRegistryService } from './authorizer-registry.service.js';
import { AuthorizerTokenStore } from './authorizer-token.store.js';
import { AuthorizationCodeBusyError, AuthorizationCodeError } from './authorizer.errors.js';
import { AuthorizerEvents } from './authorizer.events.js';
import { AuthorizerRepository } from './authorizer.repository.js';
import {
  AuthorizerRecord,
  ChangeCause,
  TenantBinding,
  TenantResolver,
} from './authorizer.types.js';
import { sha256 } from './code-hash.js';
import { decideTenant } from './tenant-policy.js';
import { TENANT_RESOLVER } from './tenant-resolver.js';
import { SECRET_BOX } from '../core/internal-tokens.js';

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

interface FuncInfoItem {
  funcscope_category?: { id?: number };
}

/**
 * Redeems authorization codes (api_query_auth) exactly once between the push and the landing,
 * keeping WeChat's answer durable until the registry holds it, and recovering a spent code
 * (61009) from api_get_authorizer_info when the push named the account.
 */
@Injectable()
export class AuthorizationRedemptionService {
  private readonly logger = new Logger('AuthorizationRedemptionService');

  constructor(
    private readonly repo: AuthorizerRepository,
    private readonly codes: AuthorizationCodeRepository,
    private readonly tokens: AuthorizerTokenStore,
    private readonly registry: AuthorizerRegistryService,
    private readonly profiles: AuthorizerProfileService,
    private readonly componentTokens: ComponentTokenService,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly events: AuthorizerEvents,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
    @Optional()
    @Inject(TENANT_RESOLVER)
    private readonly tenantResolver: TenantResolver | null = null,
  ) {}

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
      const claim = await this.codes.claim(
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
        // The second path of a redemption: bind the tenant it carries, under the same policy.
        const tenant = await this.tenantOf(componentAppid, ctx);
        const result = await this.registry.bindTenant(
          componentAppid,
          claim.authorizerAppid,
          tenant,
          ctx.cause,
        );
        return { ...result, alreadyRedeemed: true };
      }
      // Not a refusal: the job retries, and by then the other attempt's lease has run out.
      if (this.clock.nowMs() > deadline) throw new AuthorizationCodeBusyError();
      await sleep(100);
    }
  }

  /** The tenant the caller names, else the one whose session minted the pre_auth_code. */
  private async tenantOf(
    componentAppid: string,
    ctx: RedeemContext,
  ): Promise<TenantBinding | null> {
    if (ctx.tenant) return ctx.tenant;
    if (!ctx.preAuthCode || !this.tenantResolver) return null;
    return this.tenantResolver(componentAppid, ctx.preAuthCode);
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
      await this.codes.finish(
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
      await this.codes.keepAnswer(codeHash, this.box.seal(JSON.stringify(kept)));
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
    const kept = await this.codes.findAnswer(codeHash);
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
    await this.codes
      .reopen(codeHash, this.clock.now())
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
    const tenant = await this.tenantOf(componentAppid, ctx);
    const now = this.clock.now();
    // The access token's life started when WeChat answered, which may be a while ago.
    const receivedAt = new Date(answer.receivedAt);
    const { record, outcome } = await this.repo.transaction(async (m) => {
      const before = await this.repo.find(componentAppid, authorizerAppid, m);
      const { tenantId, outcome } = decideTenant(
        before,
        tenant,
        this.options.authorizer.tenantConflictPolicy,
      );
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
        await this.tokens.storeRedeemed(
          m,
          componentAppid,
          authorizerAppid,
          {
            accessToken:
              typeof info.authorizer_access_token === 'string' && info.authorizer_access_token
                ? info.authorizer_access_token
                : null,
            refreshToken: info.authorizer_refresh_token,
            expiresInSec: Number(info.expires_in ?? 7200),
            receivedAt,
          },
          now,
        );
      }
      await this.codes.finish(codeHash, 'redeemed', authorizerAppid, outcome, now, m);
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
    await this.profiles.refreshOrQueue(componentAppid, authorizerAppid, now);
    return { authorizerAppid, tenantId: record.tenantId, outcome, alreadyRedeemed: false };
  }
}
