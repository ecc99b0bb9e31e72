import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiAccess, CurrentPrincipal } from '../access/access.decorators.js';
import type { Principal } from '../access/principal.js';
import { ErrorBody } from '../common/error-body.dto.js';
import { ComponentAppidPipe, RidPipe } from './component-appid.pipe.js';
import {
  ApiQuotaDto,
  ComponentListDto,
  ListSyncResultDto,
  QuotaQuery,
  QuotaResetResultDto,
  ResetQuotaDto,
  ReplayedEventDto,
  RidInfoDto,
} from './operator.dto.js';
import { OperatorService } from './operator.service.js';
import { ComponentEventService } from '@app/wechat-open';

const COMPONENT_PARAM = { name: 'componentAppid', example: 'wxc0ffee0123456789' };
const UNKNOWN_COMPONENT = {
  status: 404,
  description: 'NOT_FOUND: not a configured component',
  type: ErrorBody,
};

@ApiTags('operator')
@Controller('v1/components')
@ApiAccess('operator')
export class OperatorController {
  constructor(
    private readonly operator: OperatorService,
    private readonly events: ComponentEventService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Each configured component: verify ticket, component token, refresh backlog, failed jobs, last errcodes',
  })
  @ApiResponse({ status: 200, type: ComponentListDto })
  async list(): Promise<ComponentListDto> {
    return { items: await this.operator.components() };
  }

  @Post(':componentAppid/authorizer-list-sync')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Run the api_get_authorizer_list sync: register unknown accounts, recover refresh tokens',
  })
  @ApiParam(COMPONENT_PARAM)
  @ApiResponse({ status: 200, type: ListSyncResultDto })
  @ApiResponse(UNKNOWN_COMPONENT)
  sync(
    @Param('componentAppid', ComponentAppidPipe) componentAppid: string,
  ): Promise<ListSyncResultDto> {
    return this.operator.syncAuthorizerList(componentAppid);
  }

  @Get(':componentAppid/quota')
  @ApiOperation({ summary: "WeChat's daily quota of one API for the component (getApiQuota)" })
  @ApiParam(COMPONENT_PARAM)
  @ApiResponse({ status: 200, type: ApiQuotaDto })
  @ApiResponse({
    status: 400,
    description: 'VALIDATION_FAILED / INVALID_CGI_PATH (WeChat knows no such API of the component)',
    type: ErrorBody,
  })
  @ApiResponse(UNKNOWN_COMPONENT)
  quota(
    @Param('componentAppid', ComponentAppidPipe) componentAppid: string,
    @Query() query: QuotaQuery,
  ): Promise<ApiQuotaDto> {
    return this.operator.apiQuota(componentAppid, query.cgiPath);
  }

  @Post(':componentAppid/quota/reset')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Reset the component's (or an account's) call counts with clear_quota/v2: 10 a month per account",
  })
  @ApiParam(COMPONENT_PARAM)
  @ApiResponse({ status: 200, type: QuotaResetResultDto })
  @ApiResponse({
    status: 400,
    description: 'CONFIRMATION_REQUIRED: confirm must repeat the appid reset / VALIDATION_FAILED',
    type: ErrorBody,
  })
  @ApiResponse({
    status: 404,
    description: 'NOT_FOUND: not a configured component, or not an account of it',
    type: ErrorBody,
  })
  @ApiResponse({
    status: 429,
    description:
      "QUOTA_RESET_BUDGET_EXHAUSTED: this month's 10 resets are used (WeChat's month, UTC+8) / RATE_LIMITED",
    type: ErrorBody,
  })
  resetQuota(
    @Param('componentAppid', ComponentAppidPipe) componentAppid: string,
    @Body() body: ResetQuotaDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<QuotaResetResultDto> {
    return this.operator.resetQuota(componentAppid, body, {
      apiKeyId: principal.keyId,
      requestId: request.id ? String(request.id) : null,
    });
  }

  @Get(':componentAppid/rids/:rid')
  @ApiOperation({
    summary: 'What WeChat recorded of a failed call, by the rid of its errmsg (getRidInfo, 7 days)',
  })
  @ApiParam(COMPONENT_PARAM)
  @ApiParam({ name: 'rid', example: '617682e0-09059ac5-34a8e2ea' })
  @ApiResponse({ status: 200, type: RidInfoDto })
  @ApiResponse({
    status: 404,
    description: "RID_NOT_FOUND: unknown, expired (over 7 days) or another account's / NOT_FOUND",
    type: ErrorBody,
  })
  rid(
    @Param('componentAppid', ComponentAppidPipe) componentAppid: string,
    @Param('rid', RidPipe) rid: string,
  ): Promise<RidInfoDto> {
    return this.operator.ridInfo(componentAppid, rid);
  }

  @Post(':componentAppid/events/:eventId/replay')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Run a stored push through its handler again, as if WeChat had pushed it now (the log is not written again)',
  })
  @ApiParam(COMPONENT_PARAM)
  @ApiParam({ name: 'eventId', example: '1042', description: 'the event log id' })
  @ApiResponse({ status: 200, type: ReplayedEventDto })
  @ApiResponse({
    status: 404,
    description: 'EVENT_NOT_FOUND: no such event of this component / NOT_FOUND',
    type: ErrorBody,
  })
  @ApiResponse({
    status: 409,
    description:
      'EVENT_NOT_REPLAYABLE: its credential was never stored (authorized, updateauthorized, ' +
      'component_verify_ticket) or its handler now refuses it',
    type: ErrorBody,
  })
  replay(
    @Param('componentAppid', ComponentAppidPipe) componentAppid: string,
    @Param('eventId') eventId: string,
  ): Promise<ReplayedEventDto> {
    return this.events.replay(componentAppid, eventId);
  }
}
