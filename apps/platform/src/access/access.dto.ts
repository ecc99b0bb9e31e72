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
  @ApiProperty({ type: [String] }) returnUrlPrefixes!: string[];
  @ApiProperty({ type: [String] }) jssdkDomains!: string[];
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class TenantListDto {
  @ApiProperty({ type: [TenantDto] }) items!: TenantDto[];
}

export class CreateApiKeyDto {
  @ApiProperty({ enum: ['operator', 'tenant', 'service'] })
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
    type: [String],
    description: 'service keys: only these tenants (default all)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(TENANT_ID, { each: true })
  scopeTenantIds?: string[];

  @ApiPropertyOptional({
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
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['operator', 'tenant', 'service'] }) kind!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    example: 'wop_tn_3q2-7wq3SkWb0vRz5m0dPA',
    description: 'the start of the key, safe to show',
  })
  prefix!: string;
  @ApiProperty({ nullable: true, type: String }) tenantId!: string | null;
  @ApiProperty({ nullable: true, type: [String] }) scopeTenantIds!: string[] | null;
  @ApiProperty({ nullable: true, type: [String] }) scopeAuthorizerAppids!: string[] | null;
  @ApiProperty({ description: 'prefix of the key that created it, or cli' }) createdBy!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) lastUsedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) revokedAt!: Date | null;
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

  @ApiPropertyOptional({ enum: ['operator', 'tenant', 'service'] })
  @IsOptional()
  @IsIn(['operator', 'tenant', 'service'])
  kind?: ApiKeyKind;
}
