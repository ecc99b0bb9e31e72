import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiAccess, CurrentPrincipal } from '../access/access.decorators.js';
import type { Principal } from '../access/principal.js';
import { ErrorBody } from '../common/error-body.dto.js';
import { InsightsDto, InsightsQueryDto } from './insights.dto.js';
import { DEFAULT_HOURS, InsightsService, tenantScope } from './insights.service.js';

@ApiTags('console')
@Controller('v1/insights')
export class InsightsController {
  constructor(private readonly insights: InsightsService) {}

  @Get()
  @ApiAccess('operator', 'tenant')
  @ApiOperation({
    summary: 'Hourly token refreshes, refresh errcodes, token expiry and accounts by status',
    description:
      'The last `hours` hours in hourly buckets (the current hour last, partial). A tenant key ' +
      "sees its tenant's accounts only, in every number; an operator key every tenant's, or " +
      "one tenant's with `tenantId`.",
  })
  @ApiResponse({ status: 200, type: InsightsDto })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED', type: ErrorBody })
  @ApiResponse({
    status: 404,
    description: 'NOT_FOUND: a tenant the key may not see',
    type: ErrorBody,
  })
  get(
    @Query() query: InsightsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InsightsDto> {
    return this.insights.insights(
      tenantScope(principal, query.tenantId),
      query.hours ?? DEFAULT_HOURS,
    );
  }
}
