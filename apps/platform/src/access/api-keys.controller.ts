import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { notFound } from '../common/api-error.js';
import { ErrorBody } from '../common/error-body.dto.js';
import { ApiAccess, CurrentPrincipal } from './access.decorators.js';
import {
  ApiKeyDto,
  ApiKeyListDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  ListKeysQuery,
} from './access.dto.js';
import { ApiKeysService } from './api-keys.service.js';
import { Principal } from './principal.js';

@ApiTags('keys')
@Controller('v1/keys')
@ApiAccess('operator')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the key is in this answer only' })
  @ApiResponse({ status: 201, type: CreatedApiKeyDto })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED', type: ErrorBody })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no such tenant', type: ErrorBody })
  async create(
    @Body() body: CreateApiKeyDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedApiKeyDto> {
    const { key, view } = await this.keys.create({ ...body, createdBy: principal.displayPrefix });
    return { key, apiKey: view };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  @ApiResponse({ status: 200, type: ApiKeyListDto })
  async list(@Query() query: ListKeysQuery): Promise<ApiKeyListDto> {
    return { items: await this.keys.list(query) };
  }

  @Delete(':keyId')
  @ApiOperation({ summary: 'Revoke an API key (at once here, within 5 s on other instances)' })
  @ApiResponse({ status: 200, type: ApiKeyDto })
  @ApiResponse({ status: 404, description: 'NOT_FOUND', type: ErrorBody })
  revoke(
    @Param('keyId', new ParseUUIDPipe({ exceptionFactory: () => notFound('key') })) keyId: string,
  ): Promise<ApiKeyDto> {
    return this.keys.revoke(keyId);
  }
}
