import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuthorizationCodeError } from '../authorizer/authorizer.errors.js';
import { AuthorizerService, RedeemResult } from '../authorizer/authorizer.service.js';
import { sha256 } from '../authorizer/code-hash.js';
import { ComponentTokenService } from '../component-ticket/component-token.service.js';
import { Clock } from '../core/clock.js';
import { ComponentRegistry } from '../core/component-registry.js';
import { WECHAT_OPEN_OPTIONS } from '../wechat-open.constants.js';
import { ResolvedWechatOpenOptions } from '../wechat-open.options.js';
import {
  AUTH_TYPES,
  AuthType,
  AuthorizationLinkInput,
  buildAuthorizationLink,
  LinkKind,
} from './authorization-link.js';
import { PreAuthError } from './pre-auth.errors.js';
import { PreAuthRepository, PreAuthSession } from './pre-auth.repository.js';

export interface CreateSessionInput {
  tenantId: string;
  /** 'pc' (QR code page, default) or 'mobile' (in WeChat). */
  kind?: LinkKind;
  /** Default 3 (official accounts and mini programs). */
  authType?: AuthType;
  bizAppid?: string;
  categoryIdList?: number[];
  /** Where the tenant's user goes afterwards; must be on the tenant's allow-list. */
  returnUrl: string;
  /**
   * URL prefixes this tenant may return to, besides `preAuth.returnUrlAllowList` (a host that
   * keeps tenants' settings in its own tables passes them here).
   */
  returnUrlPrefixes?: readonly string[];
}

export interface CreatedSession {
  sessionId: string;
  /** Link (or QR code) for the dashboard: this service's entry page for the session. */
  entryUrl: string;
  expiresAt: Date;
}

/** Where the landing sends the browser, and what happened. */
export interface LandingResult {
  redirectTo: string;
  status: 'authorized' | 'error';
  error?: string;
  authorizerAppid?: string;
}

const APPID = /^wx[0-9a-zA-Z]{6,30}$/;
const SESSION_ID = /^[A-Za-z0-9_-]{32}$/;

/**
 * Authorization links that bring each account to the right tenant: sessions with their link
 * options, an entry page that mints a fresh pre_auth_code each time, and the landing that
 * redeems the code (unless the push already did) and sends the user back.
 */
@Injectable()
export class PreAuthService {
  private readonly logger = new Logger('PreAuthService');

  constructor(
    private readonly repo: PreAuthRepository,
    private readonly componentTokens: ComponentTokenService,
    private readonly authorizers: AuthorizerService,
    private readonly registry: ComponentRegistry,
    private readonly clock: Clock,
    @Inject(WECHAT_OPEN_OPTIONS) private readonly options: ResolvedWechatOpenOptions,
  ) {}

  /** Creates a single-use session for a tenant; the dashboard links to `entryUrl`. */
  async createSession(componentAppid: string, input: CreateSessionInput): Promise<CreatedSession> {
    this.registry.config(componentAppid);
    const base = this.publicBaseUrl();
    const kind = input.kind ?? 'pc';
    const authType = input.authType ?? 3;
    if (!['pc', 'mobile'].includes(kind))
      throw new PreAuthError('INVALID_LINK_OPTIONS', 'kind must be pc or mobile');
    if (!(AUTH_TYPES as readonly number[]).includes(authType)) {
      throw new PreAuthError(
        'INVALID_LINK_OPTIONS',
        `auth_type must be one of ${AUTH_TYPES.join(', ')}`,
      );
    }
    if (input.bizAppid !== undefined && !APPID.test(input.bizAppid)) {
      throw new PreAuthError('INVALID_LINK_OPTIONS', 'biz_appid is not an appid');
    }
    if (input.categoryIdList?.some((id) => !Number.isInteger(id) || id <= 0)) {
      throw new PreAuthError('INVALID_LINK_OPTIONS', 'category_id_list must be positive integers');
    }
    if (!input.tenantId) throw new PreAuthError('INVALID_LINK_OPTIONS', 'tenantId is required');
    this.checkReturnUrl(input.tenantId, input.returnUrl, input.returnUrlPrefixes ?? []);
    const now = this.clock.now();
    const session = {
      id: randomBytes(24).toString('base64url'),
      componentAppid,
      tenantId: input.tenantId,
      linkKind: kind,
      authType,
      bizAppid: input.bizAppid ?? null,
      categoryIdList: input.categoryIdList ?? null,
      returnUrl: input.returnUrl,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.options.preAuth.sessionTtlSec * 1000),
    };
    await this.repo.create(session);
    return {
      sessionId: session.id,
      entryUrl: `${base}/wechat/${componentAppid}/authorize/${session.id}`,
      expiresAt: session.expiresAt,
    };
  }

  /** A fresh pre_auth_code (single use) from api_create_preauthcode. */
  async createPreAuthCode(
    componentAppid: string,
  ): Promise<{ preAuthCode: string; expiresInSec: number }> {
    const answer = await this.componentTokens.post(
      componentAppid,
      '/cgi-bin/component/api_create_preauthcode',
      {
        component_appid: componentAppid,
      },
    );
    return {
      preAuthCode: String(answer.pre_auth_code),
      expiresInSec: Number(answer.expires_in ?? 1800),
    };
  }

  /** Builds a raw authorization link on the configured WeChat hosts (pure). */
  buildLink(input: Omit<AuthorizationLinkInput, 'mpBaseUrl' | 'openBaseUrl'>): string {
    return buildAuthorizationLink({ ...input, ...this.options.authPages });
  }

  /** The entry page's work: mint a pre_auth_code for the session and build WeChat's URL. */
  async open(
    componentAppid: string,
    sessionId: string,
  ): Promise<{ authorizationUrl: string; session: PreAuthSession }> {
    const session = await this.usableSession(componentAppid, sessionId);
    const { preAuthCode } = await this.createPreAuthCode(componentAppid);
    await this.repo.markOpened(session.id, sha256(preAuthCode), this.clock.now());
    const authorizationUrl = this.buildLink({
      kind: session.linkKind,
      componentAppid,
      preAuthCode,
      redirectUri: this.redirectUri(componentAppid, session.id),
      authType: session.authType,
      bizAppid: session.bizAppid ?? undefined,
      categoryIdList: session.categoryIdList ?? undefined,
    });
    return { authorizationUrl, session };
  }

  /**
   * The landing redirect: redeem the auth_code (or find the push's redemption), bind the account
   * to the session's tenant, consume the session, and say where to send the browser.
   */
  async land(
    componentAppid: string,
    sessionId: string,
    authCode: string | undefined,
  ): Promise<LandingResult> {
    const session = await this.usableSession(componentAppid, sessionId);
    if (!authCode) {
      await this.repo.consume(session.id, this.clock.now(), null, 'AUTHORIZATION_CANCELLED');
      return this.back(session, { status: 'error', error: 'AUTHORIZATION_CANCELLED' });
    }
    let result: RedeemResult;
    try {
      result = await this.authorizers.redeem(componentAppid, authCode, {
        cause: 'landing',
        tenant: { tenantId: session.tenantId, sessionId: session.id },
      });
    } catch (error) {
      if (!(error instanceof AuthorizationCodeError)) throw error; // transient: the user may retry
      await this.repo.consume(session.id, this.clock.now(), null, error.code);
      return this.back(session, { status: 'error', error: error.code });
    }
    // The account stayed with its tenant: the session's tenant learns why (the policy refused).
    const outcome = result.outcome === 'ok' ? 'ok' : 'TENANT_CONFLICT';
    if (!(await this.repo.consume(session.id, this.clock.now(), result.authorizerAppid, outcome))) {
      throw new PreAuthError(
        'PRE_AUTH_SESSION_USED',
        'this authorization session was already used',
      );
    }
    this.logger.log(
      `session ${session.id.slice(0, 6)}… of tenant ${session.tenantId}: ${result.authorizerAppid} ${outcome}`,
    );
    return outcome === 'ok'
      ? this.back(session, { status: 'authorized', authorizerAppid: result.authorizerAppid })
      : this.back(session, {
          status: 'error',
          error: outcome,
          authorizerAppid: result.authorizerAppid,
        });
  }

  /** Redeems a code for callers that built raw links themselves. */
  redeemAuthCode(
    componentAppid: string,
    authCode: string,
    tenantId?: string,
  ): Promise<RedeemResult> {
    return this.authorizers.redeem(componentAppid, authCode, {
      cause: 'api',
      tenant: tenantId ? { tenantId } : undefined,
    });
  }

  getSession(sessionId: string): Promise<PreAuthSession | null> {
    return SESSION_ID.test(sessionId) ? this.repo.find(sessionId) : Promise.resolve(null);
  }

  private async usableSession(componentAppid: string, sessionId: string): Promise<PreAuthSession> {
    this.registry.config(componentAppid);
    const session = await this.getSession(sessionId);
    if (!session || session.componentAppid !== componentAppid) {
      throw new PreAuthError('PRE_AUTH_SESSION_NOT_FOUND', 'no such authorization session');
    }
    if (session.consumedAt)
      throw new PreAuthError(
        'PRE_AUTH_SESSION_USED',
        'this authorization session was already used',
      );
    if (session.expiresAt.getTime() <= this.clock.nowMs()) {
      throw new PreAuthError('PRE_AUTH_SESSION_EXPIRED', 'this authorization session has expired');
    }
    return session;
  }

  private back(session: PreAuthSession, r: Omit<LandingResult, 'redirectTo'>): LandingResult {
    const url = new URL(session.returnUrl);
    url.searchParams.set('status', r.status);
    if (r.authorizerAppid) url.searchParams.set('authorizer_appid', r.authorizerAppid);
    if (r.error) url.searchParams.set('error', r.error);
    return { ...r, redirectTo: url.toString() };
  }

  private redirectUri(componentAppid: string, sessionId: string): string {
    return `${this.publicBaseUrl()}/wechat/${componentAppid}/authorized?session=${sessionId}`;
  }

  private publicBaseUrl(): string {
    const base = this.options.preAuth.publicBaseUrl;
    if (!base)
      throw new PreAuthError('PRE_AUTH_NOT_CONFIGURED', 'preAuth.publicBaseUrl is not configured');
    return base;
  }

  /** No open redirect: the URL must sit under one of the tenant's allowed prefixes. */
  private checkReturnUrl(
    tenantId: string,
    returnUrl: string,
    extraPrefixes: readonly string[],
  ): void {
    let url: URL;
    try {
      url = new URL(returnUrl);
    } catch {
      throw new PreAuthError('INVALID_RETURN_URL', 'returnUrl is not an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new PreAuthError('INVALID_RETURN_URL', 'returnUrl must be http or https');
    }
    const allowed = [
      ...(this.options.preAuth.returnUrlAllowList[tenantId] ?? []),
      ...(this.options.preAuth.returnUrlAllowList['*'] ?? []),
      ...extraPrefixes,
    ];
    const ok = allowed.some((prefix) => {
      const p = parseUrl(prefix);
      if (!p) return false;
      return (
        p.origin === url.origin &&
        url.pathname.startsWith(p.pathname) &&
        !url.username &&
        !url.password
      );
    });
    if (!ok)
      throw new PreAuthError('INVALID_RETURN_URL', "returnUrl is not on the tenant's allow-list", {
        tenantId,
      });
  }
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
