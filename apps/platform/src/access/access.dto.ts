import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
} from 'class-validator';
import { APPID } from '../common/appid.js';
import type { ApiKeyKind } from './access.entities.js';

export const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', pattern: TENANT_ID.source })
  @Matches(TENANT_ID, {
    message: 'id must be 1-63 of a-z, 0-9, _ and -, starting with a letter or digit',
  })
  id!: string;

  @ApiProperty({ example: 'ACME Corp' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['https://dashboard.acme.example/wechat/return/'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  returnUrlPrefixes?: string[];

  @ApiPropertyOptional({ type: [String], example: ['m.acme.example'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  jssdkDomains?: string[];
}

export class UpdateTenantSettingsDto {
  @ApiPropertyOptional({ example: 'ACME Corp' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    type: [String],
    description:
      "where the tenant's users may be sent back after authorizing (origin + path prefix)",
    example: ['https://dashboard.acme.example/wechat/return/'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  returnUrlPrefixes?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'hosts the token API signs JS-SDK configs for (JS接口安全域名)',
    example: ['m.acme.example'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  jssdkDomains?: string[];
}

export class TenantDto {
  @ApiProperty({ example: 'acme' }) id!: string;
  @ApiProperty({ example: 'ACME Corp' }) name!: string;
  @ApiProperty({ example: ['https://dashboard.acme.example/wechat/return/'], type: [String] })
  returnUrlPrefixes!: string[];
  @ApiProperty({ example: ['m.acme.example'], type: [String] }) jssdkDomains!: string[];
  @ApiProperty({ example: '2026-03-15T08:20:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z' }) updatedAt!: Date;
}

export class TenantListDto {
  @ApiProperty({ type: [TenantDto] }) items!: TenantDto[];
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'service', enum: ['operator', 'tenant', 'service'] })
  @IsIn(['operator', 'tenant', 'service'])
  kind!: ApiKeyKind;

  @ApiProperty({ example: 'acme dashboard' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ description: 'required for (and only for) tenant keys', example: 'acme' })
  @IsOptional()
  @Matches(TENANT_ID)
  tenantId?: string;

  @ApiPropertyOptional({
    example: ['acme'],
    type: [String],
    description: 'service keys: only these tenants (default all)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(TENANT_ID, { each: true })
  scopeTenantIds?: string[];

  @ApiPropertyOptional({
    example: ['wx1234567890abcdef'],
    type: [String],
    description: 'service keys: only these accounts (default all in scope)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10000)
  @Matches(APPID, { each: true })
  scopeAuthorizerAppids?: string[];
}

export class ApiKeyDto {
  @ApiProperty({ example: '3f1c2b4a-8d7e-4f60-9a1b-2c3d4e5f6a7b', format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'tenant', enum: ['operator', 'tenant', 'service'] }) kind!: string;
  @ApiProperty({ example: 'acme dashboard' }) name!: string;
  @ApiProperty({
    example: 'wop_tn_3q2-7wq3SkWb0vRz5m0dPA',
    description: 'the start of the key, safe to show',
  })
  prefix!: string;
  @ApiProperty({ example: 'acme', nullable: true, type: String }) tenantId!: string | null;
  @ApiProperty({ example: null, nullable: true, type: [String] }) scopeTenantIds!: string[] | null;
  @ApiProperty({ example: null, nullable: true, type: [String] }) scopeAuthorizerAppids!:
    string[] | null;
  @ApiProperty({
    example: 'wop_op_8Jk2-Qw7TzVb1nR4m',
    description: 'prefix of the key that created it, or cli',
  })
  createdBy!: string;
  @ApiProperty({ example: '2026-03-15T08:20:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z', nullable: true, type: Date })
  lastUsedAt!: Date | null;
  @ApiProperty({ example: null, nullable: true, type: Date }) revokedAt!: Date | null;
}

export class CreatedApiKeyDto {
  @ApiProperty({
    description: 'the key itself: shown once, never again (only its hash is stored)',
    example: 'wop_tn_3q2-7wq3SkWb0vRz5m0dPA_…',
  })
  key!: string;
  @ApiProperty({ type: ApiKeyDto }) apiKey!: ApiKeyDto;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) items!: ApiKeyDto[];
}

export class ListKeysQuery {
  @ApiPropertyOptional({ example: 'acme' })
  @IsOptional()
  @Matches(TENANT_ID)
  tenantId?: string;

  @ApiPropertyOptional({ example: 'tenant', enum: ['operator', 'tenant', 'service'] })
  @IsOptional()
  @IsIn(['operator', 'tenant', 'service'])
  kind?: ApiKeyKind;
}
