import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthorizerRecord, AuthorizerService, Clock } from '@app/wechat-open';
import { ApiAccess, CurrentPrincipal } from '../access/access.decorators.js';
import { Principal, maySeeTenant } from '../access/principal.js';
import { ApiError, notFound } from '../common/api-error.js';
import { AppidPipe } from '../common/appid.js';
import { ErrorBody } from '../common/error-body.dto.js';
import { authorizerView, tokenHealthView } from './authorizer.view.js';
import {
  AuthorizationEventListDto,
  AuthorizerDetailDto,
  AuthorizerDto,
  AuthorizerPageDto,
  AuthorizerQueryDto,
  ConfirmDto,
  HistoryDto,
  RefreshLogDto,
} from './dashboard.dto.js';

const NOT_FOUND = { status: 404, description: 'NOT_FOUND', type: ErrorBody } as const;
const ACCOUNT = ':componentAppid/authorizers/:authorizerAppid';

/**
 * Authorized accounts for dashboards: an operator key sees every tenant's, a tenant key its
 * own tenant's only; another tenant's account is answered exactly like one that does not exist.
 */
@ApiTags('dashboard')
@Controller('v1')
export class AuthorizersController {
  constructor(
    private readonly authorizers: AuthorizerService,
    private readonly clock: Clock,
  ) {}

  @Get('authorizers')
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: 'List authorized accounts: filters, sort, cursor pagination' })
  @ApiResponse({ status: 200, type: AuthorizerPageDto })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED, INVALID_CURSOR', type: ErrorBody })
  @ApiResponse(NOT_FOUND)
  async list(
    @Query() query: AuthorizerQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AuthorizerPageDto> {
    if (query.tenantId !== undefined && !maySeeTenant(principal, query.tenantId)) {
      throw notFound('tenant');
    }
    const tenantId = principal.kind === 'operator' ? query.tenantId : principal.tenantId!;
    const page = await this.authorizers.search({
      tenantId,
      componentAppid: query.componentAppid,
      statuses: query.status,
      accountKind: query.kind,
      permissionSetId: query.permissionSetId,
      text: query.q,
      sort: query.sort,
      order: query.order,
      limit: query.limit,
      cursor: query.cursor,
    });
    return { ...page, items: page.items.map(authorizerView) };
  }

  @Get(`components/${ACCOUNT}`)
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: 'One account: profile, permission sets, token health (never a token)' })
  @ApiResponse({ status: 200, type: AuthorizerDetailDto })
  @ApiResponse(NOT_FOUND)
  async get(
    @Param('componentAppid', new AppidPipe('account')) componentAppid: string,
    @Param('authorizerAppid', new AppidPipe('account')) authorizerAppid: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AuthorizerDetailDto> {
    const record = await this.visible(principal, componentAppid, authorizerAppid);
    const health = await this.authorizers.tokenHealth(componentAppid, authorizerAppid);
    return {
      authorizer: authorizerView(record),
      tokenHealth: tokenHealthView(record, health, this.clock.now()),
    };
  }

  @Get(`components/${ACCOUNT}/history`)
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: "The account's history of changes, newest first (100)" })
  @ApiResponse({ status: 200, type: HistoryDto })
  @ApiResponse(NOT_FOUND)
  async history(
    @Param('componentAppid', new AppidPipe('account')) componentAppid: string,
    @Param('authorizerAppid', new AppidPipe('account')) authorizerAppid: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<HistoryDto> {
    await this.visible(principal, componentAppid, authorizerAppid);
    const entries = await this.authorizers.history(componentAppid, authorizerAppid);
    return {
      items: entries.map(({ action, changes, cause, actor, at, note }) => ({
        action,
        changes,
        cause,
        actor,
        at,
        ...(note !== undefined ? { note } : {}),
      })),
    };
  }

  @Get(`components/${ACCOUNT}/refresh-log`)
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: "The account's token refreshes, newest first (100)" })
  @ApiResponse({ status: 200, type: RefreshLogDto })
  @ApiResponse(NOT_FOUND)
  async refreshLog(
    @Param('componentAppid', new AppidPipe('account')) componentAppid: string,
    @Param('authorizerAppid', new AppidPipe('account')) authorizerAppid: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RefreshLogDto> {
    await this.visible(principal, componentAppid, authorizerAppid);
    return { items: await this.authorizers.refreshLog(componentAppid, authorizerAppid) };
  }

  @Get(`components/${ACCOUNT}/events`)
  @ApiAccess('operator', 'tenant')
  @ApiOperation({
    summary: "WeChat's authorization pushes about the account, newest first (100)",
  })
  @ApiResponse({ status: 200, type: AuthorizationEventListDto })
  @ApiResponse(NOT_FOUND)
  async events(
    @Param('componentAppid', new AppidPipe('account')) componentAppid: string,
    @Param('authorizerAppid', new AppidPipe('account')) authorizerAppid: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AuthorizationEventListDto> {
    await this.visible(principal, componentAppid, authorizerAppid);
    return {
      items: await this.authorizers.authorizationEvents(componentAppid, authorizerAppid),
    };
  }

  @Post(`components/${ACCOUNT}/profile-refresh`)
  @HttpCode(200)
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: "Fetch the account's profile and permission sets from WeChat now" })
  @ApiResponse({ status: 200, type: AuthorizerDto })
  @ApiResponse(NOT_FOUND)
  @ApiResponse({ status: 502, description: 'WeChat answered with an error', type: ErrorBody })
  async refreshProfile(
    @Param('componentAppid', new AppidPipe('account')) componentAppid: string,
    @Param('authorizerAppid', new AppidPipe('account')) authorizerAppid: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AuthorizerDto> {
    await this.visible(principal, componentAppid, authorizerAppid);
    await this.authorizers.refreshProfile(componentAppid, authorizerAppid);
    return authorizerView(await this.authorizers.get(componentAppid, authorizerAppid));
  }

  @Post(`components/${ACCOUNT}/detach`)
  @HttpCode(200)
  @ApiAccess('operator', 'tenant')
  @ApiOperation({
    summary: 'Detach the account: stop refreshing its tokens and forget them',
    description:
      'WeChat offers no way for a third-party platform to remove its own authorization: only ' +
      "the account's owner can, in the WeChat admin console. Detaching is what the platform can " +
      'do: the account keeps its record and history, its tokens are erased and no longer ' +
      'refreshed, and it shows as detached until its owner authorizes the platform again. ' +
      'Body: `confirm` = the account appid.',
  })
  @ApiResponse({ status: 200, type: AuthorizerDto })
  @ApiResponse({ status: 400, description: 'CONFIRMATION_REQUIRED', type: ErrorBody })
  @ApiResponse(NOT_FOUND)
  async detach(
    @Param('componentAppid', new AppidPipe('account')) componentAppid: string,
    @Param('authorizerAppid', new AppidPipe('account')) authorizerAppid: string,
    @Body() body: ConfirmDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AuthorizerDto> {
    await this.visible(principal, componentAppid, authorizerAppid);
    if (body.confirm !== authorizerAppid) {
      throw new ApiError(
        400,
        'CONFIRMATION_REQUIRED',
        'confirm must be the appid of the account to detach',
      );
    }
    return authorizerView(await this.authorizers.detach(componentAppid, authorizerAppid, 'api'));
  }

  /** The account, if it exists and the caller may see its tenant; otherwise a 404. */
  private async visible(
    principal: Principal,
    componentAppid: string,
    authorizerAppid: string,
  ): Promise<AuthorizerRecord> {
    const record = await this.authorizers.find(componentAppid, authorizerAppid);
    if (!record || !maySeeTenant(principal, record.tenantId)) throw notFound('account');
    return record;
  }
}
