import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { notFound } from '../common/api-error.js';
import { ErrorBody } from '../common/error-body.dto.js';
import { ApiAccess, CurrentPrincipal } from './access.decorators.js';
import {
  CreateTenantDto,
  TenantDto,
  TenantListDto,
  UpdateTenantSettingsDto,
} from './access.dto.js';
import { Principal, maySeeTenant } from './principal.js';
import { TenantsService } from './tenants.service.js';
import { TenantIdPipe } from './tenant-id.pipe.js';

@ApiTags('tenants')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @ApiAccess('operator')
  @ApiOperation({ summary: 'Create a tenant' })
  @ApiResponse({ status: 201, type: TenantDto })
  @ApiResponse({ status: 409, description: 'TENANT_EXISTS', type: ErrorBody })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED', type: ErrorBody })
  create(@Body() body: CreateTenantDto): Promise<TenantDto> {
    return this.tenants.create(body);
  }

  @Get()
  @ApiAccess('operator')
  @ApiOperation({ summary: 'List tenants' })
  @ApiResponse({ status: 200, type: TenantListDto })
  async list(): Promise<TenantListDto> {
    return { items: await this.tenants.list() };
  }

  @Get(':tenantId')
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: 'A tenant and its settings (a tenant key: its own only)' })
  @ApiResponse({ status: 200, type: TenantDto })
  @ApiResponse({ status: 404, description: 'NOT_FOUND', type: ErrorBody })
  async get(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TenantDto> {
    if (!maySeeTenant(principal, tenantId)) throw notFound('tenant');
    return this.tenants.get(tenantId);
  }

  @Patch(':tenantId/settings')
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: "Change a tenant's name, return-URL and JS-SDK domain allow-lists" })
  @ApiResponse({ status: 200, type: TenantDto })
  @ApiResponse({ status: 404, description: 'NOT_FOUND', type: ErrorBody })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED', type: ErrorBody })
  async update(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Body() body: UpdateTenantSettingsDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TenantDto> {
    if (!maySeeTenant(principal, tenantId)) throw notFound('tenant');
    return this.tenants.update(tenantId, body);
  }
}
