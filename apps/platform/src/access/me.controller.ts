import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiAccess, CurrentPrincipal } from './access.decorators.js';
import type { ApiKeyKind } from './access.entities.js';
import type { Principal } from './principal.js';

export class MeDto {
  @ApiProperty({ example: 'service', enum: ['operator', 'tenant', 'service'] }) kind!: ApiKeyKind;
  @ApiProperty({ example: '3f1c2b4a-8d7e-4f60-9a1b-2c3d4e5f6a7b', format: 'uuid' }) keyId!: string;
  @ApiProperty({ example: 'wop_sv_3q2-7wq3SkWb0vRz5m0dPA', description: 'the start of the key' })
  displayPrefix!: string;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'tenant keys: their tenant',
  })
  tenantId!: string | null;
}

@ApiTags('me')
@Controller('v1/me')
export class MeController {
  @Get()
  @ApiAccess('operator', 'tenant', 'service')
  @ApiOperation({ summary: 'Who am I: the key that authenticated this request (never its secret)' })
  @ApiResponse({ status: 200, type: MeDto })
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return {
      kind: principal.kind,
      keyId: principal.keyId,
      displayPrefix: principal.displayPrefix,
      tenantId: principal.tenantId,
    };
  }
}
