import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateIf,
} from 'class-validator';
import { APPID } from '../common/appid.js';
import { commaList, PageLimitQueryDto } from '../common/page-query.dto.js';
import type { DeliveryStatus } from './webhook.entities.js';

/** A MsgType, Event or InfoType as WeChat writes them (letters, digits, `_`, `.`, `-`). */
const WECHAT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'delivering', 'delivered', 'dead'];

const lowerList = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value)
    ? value.map((v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v))
    : value;

const FILTER_NOTE = 'omitted or null: every one; an empty list: none';

/** Filters and settings shared by create and update (every field optional on update). */
class WebhookFieldsDto {
  @ApiPropertyOptional({ example: 'support bot' })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  description?: string | null;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    example: ['text', 'event'],
    description: `MsgTypes forwarded (case-insensitive); ${FILTER_NOTE}`,
  })
  @IsOptional()
  @Transform(lowerList)
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(WECHAT_NAME, { each: true, message: 'msgTypes: each must be a MsgType' })
  msgTypes?: string[] | null;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    example: ['subscribe', 'click'],
    description: `Events of MsgType event forwarded (case-insensitive); ${FILTER_NOTE}`,
  })
  @IsOptional()
  @Transform(lowerList)
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(WECHAT_NAME, { each: true, message: 'events: each must be an Event' })
  events?: string[] | null;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    example: ['authorized', 'updateauthorized', 'unauthorized'],
    description: `InfoTypes of the authorization-event URL forwarded (case-insensitive); ${FILTER_NOTE}`,
  })
  @IsOptional()
  @Transform(lowerList)
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(WECHAT_NAME, { each: true, message: 'infoTypes: each must be an InfoType' })
  infoTypes?: string[] | null;

  @ApiPropertyOptional({
    example: ['wx1234567890abcdef'],
    type: [String],
    nullable: true,
    description: "only these accounts; omitted or null: every account of the tenant's",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(APPID, { each: true, message: 'authorizerAppids: each must be an appid' })
  authorizerAppids?: string[] | null;

  @ApiPropertyOptional({ example: true, description: 'default true' })
  @ValidateIf((_, value) => value !== undefined)
  @IsBoolean()
  enabled?: boolean;
}

export class CreateWebhookDto extends WebhookFieldsDto {
  @ApiProperty({
    example: 'https://bots.acme.example/wechat/webhook',
    description: 'http(s), no credentials, no fragment, at most 2048 characters',
  })
  @IsString()
  @Length(1, 2048)
  url!: string;
}

export class UpdateWebhookDto extends WebhookFieldsDto {
  @ApiPropertyOptional({ example: 'https://bots.acme.example/wechat/webhook' })
  @ValidateIf((_, value) => value !== undefined)
  @IsString()
  @Length(1, 2048)
  url?: string;
}

export class WebhookDto {
  @ApiProperty({ example: '9b2e4c1d-5a6f-4e7b-8c9d-0a1b2c3d4e5f', format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'acme' }) tenantId!: string;
  @ApiProperty({ example: 'https://bots.acme.example/wechat/webhook' }) url!: string;
  @ApiProperty({ example: 'support bot', type: String, nullable: true }) description!:
    string | null;
  @ApiProperty({ example: ['text', 'event'], type: [String], nullable: true }) msgTypes!:
    string[] | null;
  @ApiProperty({ example: ['subscribe', 'click'], type: [String], nullable: true }) events!:
    string[] | null;
  @ApiProperty({ example: null, type: [String], nullable: true }) infoTypes!: string[] | null;
  @ApiProperty({ example: ['wx1234567890abcdef'], type: [String], nullable: true })
  authorizerAppids!: string[] | null;
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiProperty({
    example: '2026-03-15T08:20:00.000Z',
    description: 'when the signing secret was made (never the secret itself)',
  })
  secretRotatedAt!: Date;
  @ApiProperty({ example: '2026-03-15T08:20:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z' }) updatedAt!: Date;
}

export class WebhookWithSecretDto {
  @ApiProperty({
    example: 'whsec_Vx2…',
    description:
      'the signing secret: shown once, never again (stored encrypted; rotate it to get a new one)',
  })
  secret!: string;
  @ApiProperty({ type: WebhookDto }) webhook!: WebhookDto;
}

export class WebhookListDto {
  @ApiProperty({ type: [WebhookDto] }) items!: WebhookDto[];
}

export class DeliveryDto {
  @ApiProperty({
    example: 'c7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e0f',
    format: 'uuid',
    description: 'also the payload id and X-Wop-Delivery',
  })
  id!: string;
  @ApiProperty({ example: '9b2e4c1d-5a6f-4e7b-8c9d-0a1b2c3d4e5f', format: 'uuid' })
  webhookId!: string;
  @ApiProperty({ example: 'message', enum: ['message', 'event'] }) type!: string;
  @ApiProperty({ example: 'wx1234567890abcdef', type: String, nullable: true }) authorizerAppid!:
    string | null;
  @ApiProperty({ example: 'text', type: String, nullable: true, description: 'lower-case' })
  msgType!: string | null;
  @ApiProperty({ example: null, type: String, nullable: true, description: 'lower-case' }) event!:
    string | null;
  @ApiProperty({ example: null, type: String, nullable: true, description: 'lower-case' })
  infoType!: string | null;
  @ApiProperty({ example: 'delivered', enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty({ example: 1, description: 'attempts made (reset by a redeliver)' })
  attempts!: number;
  @ApiProperty({
    example: null,
    type: Date,
    nullable: true,
    description: 'pending ones: when the next attempt is due',
  })
  nextAttemptAt!: Date | null;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z', type: Date, nullable: true })
  lastAttemptAt!: Date | null;
  @ApiProperty({ example: 200, type: Number, nullable: true }) lastHttpStatus!: number | null;
  @ApiProperty({
    example: null,
    type: String,
    nullable: true,
    description: 'network error, or the status and at most 200 characters of the answer',
  })
  lastError!: string | null;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z', type: Date, nullable: true })
  deliveredAt!: Date | null;
  @ApiProperty({ example: '2026-03-15T08:20:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z' }) updatedAt!: Date;
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryDto] }) items!: DeliveryDto[];
  @ApiProperty({
    example: 'eyJpZCI6IjEwNDIifQ',
    type: String,
    nullable: true,
    description: 'pass as cursor for the next page',
  })
  nextCursor!: string | null;
}

export class DeliveryQueryDto extends PageLimitQueryDto {
  @ApiPropertyOptional({
    description: `comma-separated: ${DELIVERY_STATUSES.join(', ')}`,
    example: 'dead',
  })
  @IsOptional()
  @Transform(commaList)
  @IsArray()
  @ArrayMaxSize(4)
  @IsIn(DELIVERY_STATUSES, { each: true })
  status?: DeliveryStatus[];

  @ApiPropertyOptional({
    example: 'eyJpZCI6IjEwNDIifQ',
    description: "the previous page's nextCursor",
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cursor?: string;
}
