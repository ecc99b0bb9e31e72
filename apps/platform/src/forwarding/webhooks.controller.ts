import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiAccess, CurrentPrincipal } from '../access/access.decorators.js';
import { maySeeTenant, Principal } from '../access/principal.js';
import { TenantIdPipe } from '../access/tenant-id.pipe.js';
import { notFound } from '../common/api-error.js';
import { ErrorBody } from '../common/error-body.dto.js';
import { UuidParamPipe } from './uuid-param.pipe.js';
import {
  CreateWebhookDto,
  DeliveryDto,
  DeliveryPageDto,
  DeliveryQueryDto,
  UpdateWebhookDto,
  WebhookDto,
  WebhookListDto,
  WebhookWithSecretDto,
} from './webhook.dto.js';
import { WebhooksService } from './webhooks.service.js';

const NOT_FOUND = { status: 404, description: 'NOT_FOUND', type: ErrorBody } as const;
const INVALID = { status: 400, description: 'VALIDATION_FAILED', type: ErrorBody } as const;

/**
 * A tenant's webhooks (forwarding of its accounts' messages and events) and their delivery log:
 * an operator key for any tenant, a tenant key for its own; another tenant's webhook, delivery or
 * the tenant itself is answered exactly like one that does not exist.
 */
@ApiTags('webhooks')
@Controller('v1/tenants/:tenantId/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: 'Create a webhook; its signing secret is in this answer only' })
  @ApiResponse({ status: 201, type: WebhookWithSecretDto })
  @ApiResponse({
    status: 400,
    description: 'VALIDATION_FAILED, WEBHOOK_URL_REFUSED',
    type: ErrorBody,
  })
  @ApiResponse(NOT_FOUND)
  create(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Body() body: CreateWebhookDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookWithSecretDto> {
    return this.webhooks.create(visible(principal, tenantId), body);
  }

  @Get()
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: "List the tenant's webhooks (never a secret)" })
  @ApiResponse({ status: 200, type: WebhookListDto })
  @ApiResponse(NOT_FOUND)
  async list(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookListDto> {
    return { items: await this.webhooks.list(visible(principal, tenantId)) };
  }

  @Get(':webhookId')
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: 'One webhook: URL, filters, state (never its secret)' })
  @ApiResponse({ status: 200, type: WebhookDto })
  @ApiResponse(NOT_FOUND)
  get(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('webhookId', new UuidParamPipe('webhook')) webhookId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookDto> {
    return this.webhooks.get(visible(principal, tenantId), webhookId);
  }

  @Patch(':webhookId')
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: 'Change the URL, filters or enabled state of a webhook' })
  @ApiResponse({ status: 200, type: WebhookDto })
  @ApiResponse({
    status: 400,
    description: 'VALIDATION_FAILED, WEBHOOK_URL_REFUSED',
    type: ErrorBody,
  })
  @ApiResponse(NOT_FOUND)
  update(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('webhookId', new UuidParamPipe('webhook')) webhookId: string,
    @Body() body: UpdateWebhookDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookDto> {
    return this.webhooks.update(visible(principal, tenantId), webhookId, body);
  }

  @Delete(':webhookId')
  @HttpCode(204)
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: 'Delete a webhook and its delivery log (pending ones are not sent)' })
  @ApiResponse({ status: 204, description: 'deleted' })
  @ApiResponse(NOT_FOUND)
  async delete(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('webhookId', new UuidParamPipe('webhook')) webhookId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.webhooks.delete(visible(principal, tenantId), webhookId);
  }

  @Post(':webhookId/secret')
  @HttpCode(200)
  @ApiAccess('operator', 'tenant')
  @ApiOperation({
    summary: 'Rotate the signing secret: the new one is in this answer only, the old one stops',
  })
  @ApiResponse({ status: 200, type: WebhookWithSecretDto })
  @ApiResponse(NOT_FOUND)
  rotateSecret(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('webhookId', new UuidParamPipe('webhook')) webhookId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookWithSecretDto> {
    return this.webhooks.rotateSecret(visible(principal, tenantId), webhookId);
  }

  @Get(':webhookId/deliveries')
  @ApiAccess('operator', 'tenant')
  @ApiOperation({ summary: 'The delivery log of a webhook, newest first (never a body)' })
  @ApiResponse({ status: 200, type: DeliveryPageDto })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED, INVALID_CURSOR', type: ErrorBody })
  @ApiResponse(NOT_FOUND)
  deliveries(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('webhookId', new UuidParamPipe('webhook')) webhookId: string,
    @Query() query: DeliveryQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeliveryPageDto> {
    return this.webhooks.deliveryPage(visible(principal, tenantId), webhookId, query);
  }

  @Post(':webhookId/deliveries/:deliveryId/redeliver')
  @HttpCode(200)
  @ApiAccess('operator', 'tenant')
  @ApiOperation({
    summary: 'Send a delivered or dead delivery again (back to pending, attempts from zero)',
  })
  @ApiResponse({ status: 200, type: DeliveryDto })
  @ApiResponse({ status: 409, description: 'DELIVERY_NOT_FINISHED', type: ErrorBody })
  @ApiResponse(NOT_FOUND)
  @ApiResponse(INVALID)
  redeliver(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('webhookId', new UuidParamPipe('webhook')) webhookId: string,
    @Param('deliveryId', new UuidParamPipe('delivery')) deliveryId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeliveryDto> {
    return this.webhooks.redeliver(visible(principal, tenantId), webhookId, deliveryId);
  }
}

/** The tenant, when the caller may see it; else the same 404 as a tenant that does not exist. */
function visible(principal: Principal, tenantId: string): string {
  if (!maySeeTenant(principal, tenantId)) throw notFound('tenant');
  return tenantId;
}
