import { Body, Controller, Get, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Clock, PreAuthService, PreAuthSession } from '@app/wechat-open';
import { ApiAccess, CurrentPrincipal } from '../access/access.decorators.js';
import { Principal, maySeeTenant } from '../access/principal.js';
import { TenantsService } from '../access/tenants.service.js';
import { ApiError, notFound } from '../common/api-error.js';
import { ErrorBody } from '../common/error-body.dto.js';
import type { PlatformConfig } from '../config/platform-config.js';
import { PLATFORM_CONFIG } from '../config/platform-config.token.js';
import { ComponentChoice } from './component-choice.js';
import {
  AuthorizationSessionDto,
  AuthorizationSessionStatus,
  AuthorizationSessionStatusDto,
  CreateAuthorizationSessionDto,
  SESSION_ID,
} from './dashboard.dto.js';
import { qrCodes } from './qr-code.js';
import { ShapedIdPipe } from './shaped-id.pipe.js';

/** Where a session's user lands when the caller names no returnUrl: the console's own page. */
export const CONSOLE_RETURN_PATH = '/console/connected';

/**
 * What became of a session: consumed with outcome ok (completed) or another (refused: the
 * tenant policy, a cancelled or invalid authorization); else expired past expiresAt; else opened
 * once its link was followed, created before.
 */
export function sessionStatus(session: PreAuthSession, now: Date): AuthorizationSessionStatus {
  if (session.consumedAt) return session.outcome === 'ok' ? 'completed' : 'refused';
  if (now.getTime() > session.expiresAt.getTime()) return 'expired';
  return session.openedAt ? 'opened' : 'created';
}

@ApiTags('dashboard')
@Controller('v1/authorization-sessions')
export class AuthorizationSessionsController {
  constructor(
    private readonly preAuth: PreAuthService,
    private readonly tenants: TenantsService,
    private readonly components: ComponentChoice,
    private readonly clock: Clock,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  @Post()
  @ApiAccess('operator', 'tenant')
  @ApiOperation({
    summary: 'Create an authorization link for a tenant, with its QR code',
    description:
      "The link opens this platform's entry page, which asks WeChat for a fresh pre_auth_code " +
      'each time it is opened; the account that authorizes joins the tenant, and the user is sent ' +
      "to returnUrl, which must be under one of the tenant's returnUrlPrefixes or under this " +
      "platform's own /console/ (the default, when returnUrl is left out: " +
      `${CONSOLE_RETURN_PATH} of this platform).`,
  })
  @ApiResponse({ status: 201, type: AuthorizationSessionDto })
  @ApiResponse({
    status: 400,
    description: 'VALIDATION_FAILED, INVALID_RETURN_URL, INVALID_LINK_OPTIONS',
    type: ErrorBody,
  })
  @ApiResponse({ status: 404, description: 'NOT_FOUND (tenant or component)', type: ErrorBody })
  async create(
    @Body() body: CreateAuthorizationSessionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AuthorizationSessionDto> {
    const tenantId = body.tenantId ?? principal.tenantId;
    if (!tenantId) {
      throw new ApiError(400, 'VALIDATION_FAILED', 'tenantId is required with an operator key');
    }
    if (!maySeeTenant(principal, tenantId)) throw notFound('tenant');
    const tenant = await this.tenants.find(tenantId);
    if (!tenant) throw notFound('tenant');
    const componentAppid = this.components.resolve(body.componentAppid);
    // The console is this platform's own page, never an open redirect: always allowed.
    const base = this.config.publicBaseUrl.replace(/\/$/, '');
    const session = await this.preAuth.createSession(componentAppid, {
      tenantId,
      kind: body.kind,
      authType: body.authType,
      bizAppid: body.bizAppid,
      categoryIdList: body.categoryIdList,
      returnUrl: body.returnUrl ?? `${base}${CONSOLE_RETURN_PATH}`,
      returnUrlPrefixes: [...tenant.returnUrlPrefixes, `${base}/console/`],
    });
    const qr = await qrCodes(session.entryUrl);
    return {
      sessionId: session.sessionId,
      tenantId,
      componentAppid,
      entryUrl: session.entryUrl,
      expiresAt: session.expiresAt,
      qrSvg: qr.svg,
      qrPngDataUrl: qr.pngDataUrl,
    };
  }

  @Get(':sessionId')
  @ApiAccess('operator', 'tenant')
  @ApiOperation({
    summary: 'What became of an authorization session (the console polls it)',
    description:
      "created: its link was not opened yet; opened: WeChat's page was shown; completed: an " +
      'account authorized and joined the tenant; refused: the authorization ended without the ' +
      'account joining (outcome says why: TENANT_CONFLICT, AUTHORIZATION_CANCELLED, ...); ' +
      'expired: unused past expiresAt.',
  })
  @ApiParam({ name: 'sessionId', example: 'kq3J0fJ5m1xQm2sX8hM7c2T4oE9yR6bA' })
  @ApiResponse({ status: 200, type: AuthorizationSessionStatusDto })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED: not a session id', type: ErrorBody })
  @ApiResponse({
    status: 404,
    description: "NOT_FOUND: no such session, or another tenant's",
    type: ErrorBody,
  })
  async status(
    @Param('sessionId', new ShapedIdPipe('sessionId', SESSION_ID)) sessionId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AuthorizationSessionStatusDto> {
    const session = await this.preAuth.getSession(sessionId);
    if (!session || !maySeeTenant(principal, session.tenantId)) throw notFound('session');
    return {
      sessionId: session.id,
      tenantId: session.tenantId,
      componentAppid: session.componentAppid,
      status: sessionStatus(session, this.clock.now()),
      authorizerAppid: session.authorizerAppid,
      outcome: session.outcome,
      createdAt: session.createdAt,
      expiresAt: session.expiresAt,
    };
  }
}
