import { Body, Controller, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PreAuthService } from '@app/wechat-open';
import { ApiAccess, CurrentPrincipal } from '../access/access.decorators.js';
import { Principal, maySeeTenant } from '../access/principal.js';
import { TenantsService } from '../access/tenants.service.js';
import { ApiError, notFound } from '../common/api-error.js';
import { ErrorBody } from '../common/error-body.dto.js';
import { ComponentChoice } from './component-choice.js';
import { AuthorizationSessionDto, CreateAuthorizationSessionDto } from './dashboard.dto.js';
import { qrCodes } from './qr-code.js';

@ApiTags('dashboard')
@Controller('v1/authorization-sessions')
export class AuthorizationSessionsController {
  constructor(
    private readonly preAuth: PreAuthService,
    private readonly tenants: TenantsService,
    private readonly components: ComponentChoice,
  ) {}

  @Post()
  @ApiAccess('operator', 'tenant')
  @ApiOperation({
    summary: 'Create an authorization link for a tenant, with its QR code',
    description:
      "The link opens this platform's entry page, which asks WeChat for a fresh pre_auth_code " +
      'each time it is opened; the account that authorizes joins the tenant, and the user is sent ' +
      "to returnUrl, which must be under one of the tenant's returnUrlPrefixes.",
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
    const session = await this.preAuth.createSession(componentAppid, {
      tenantId,
      kind: body.kind,
      authType: body.authType,
      bizAppid: body.bizAppid,
      categoryIdList: body.categoryIdList,
      returnUrl: body.returnUrl,
      returnUrlPrefixes: tenant.returnUrlPrefixes,
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
}
