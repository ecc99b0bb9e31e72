import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiAccess, CurrentPrincipal } from '../access/access.decorators.js';
import type { Principal } from '../access/principal.js';
import { ErrorBody } from '../common/error-body.dto.js';
import { PushPageDto, PushQueryDto } from './insights.dto.js';
import { InsightsService, tenantScope } from './insights.service.js';

@ApiTags('console')
@Controller('v1/pushes')
export class PushesController {
  constructor(private readonly insights: InsightsService) {}

  @Get()
  @ApiAccess('operator', 'tenant')
  @ApiOperation({
    summary: "WeChat's pushes to the event URL, newest first, with the last day's counts",
    description:
      'Each stored push with its payload (tickets and codes redacted), cursor pagination; ' +
      "plus the last 24 hours' pushes by InfoType and messages by type. A tenant key sees the " +
      "pushes and messages of its tenant's accounts only (never a component_verify_ticket).",
  })
  @ApiResponse({ status: 200, type: PushPageDto })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED', type: ErrorBody })
  list(
    @Query() query: PushQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PushPageDto> {
    return this.insights.pushes(tenantScope(principal, undefined), query);
  }
}
