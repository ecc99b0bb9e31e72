import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Length, Matches, Max, Min } from 'class-validator';
import { TENANT_ID } from '../access/access.dto.js';
import { APPID } from '../common/appid.js';
import { PageLimitQueryDto } from '../common/page-query.dto.js';
import { AUTHORIZER_STATUSES } from '../dashboard/dashboard.dto.js';

/** A page cursor of the pushes and jobs lists: the last id of the previous page. */
export const SEQUENCE_ID = /^[1-9][0-9]{0,17}$/;
const INFO_TYPE = /^[A-Za-z0-9_.:-]{1,64}$/;

export const TOKEN_EXPIRY_BUCKETS = [
  'expired',
  'lt5m',
  'lt15m',
  'lt30m',
  'lt60m',
  'lt120m',
  'ge120m',
] as const;
export type TokenExpiryBucket = (typeof TOKEN_EXPIRY_BUCKETS)[number];

export const JOB_STATUSES = ['pending', 'done', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

// --- GET /v1/insights

export class InsightsQueryDto {
  @ApiPropertyOptional({
    example: 24,
    minimum: 1,
    maximum: 168,
    description: 'how many hourly buckets, the current hour included (default 24)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(168)
  hours?: number;

  @ApiPropertyOptional({
    example: 'acme',
    description: 'operator keys: one tenant; tenant keys: their own only',
  })
  @IsOptional()
  @Matches(TENANT_ID, { message: 'tenantId is not a tenant id' })
  tenantId?: string;
}

export class RefreshBucketDto {
  @ApiProperty({
    example: '2026-03-15T08:00:00.000Z',
    description: "the bucket's start (a whole hour, UTC)",
  })
  at!: Date;
  @ApiProperty({ example: 42, description: 'token refreshes that succeeded' }) ok!: number;
  @ApiProperty({
    example: 1,
    description:
      "refreshes that failed (every result but ok and stale: a lost race isn't a failure)",
  })
  failed!: number;
}

export class ErrcodeTallyDto {
  @ApiProperty({ example: 61023 }) errcode!: number;
  @ApiProperty({ example: 3, description: 'refreshes WeChat refused with it within the window' })
  count!: number;
}

export class TokenExpiryBucketDto {
  @ApiProperty({
    example: 'ge120m',
    enum: TOKEN_EXPIRY_BUCKETS,
    description:
      'time left before the access token expires: expired (or no token), under 5, 15, 30, 60, 120 minutes, or 120 minutes and more',
  })
  bucket!: TokenExpiryBucket;
  @ApiProperty({ example: 12 }) count!: number;
}

export class StatusCountDto {
  @ApiProperty({ example: 'authorized', description: AUTHORIZER_STATUSES.join(', ') })
  status!: string;
  @ApiProperty({ example: 12 }) count!: number;
}

export class AccountTallyDto {
  @ApiProperty({ example: 15 }) total!: number;
  @ApiProperty({
    type: [StatusCountDto],
    description: 'every status, in the order authorized, revoked, needs_reauth, detached',
  })
  byStatus!: StatusCountDto[];
}

export class DeliveryTallyDto {
  @ApiProperty({ example: 4, description: 'webhook deliveries waiting or being sent now' })
  queued!: number;
  @ApiProperty({
    example: 0,
    description: 'webhook deliveries that gave up (dead) within the window',
  })
  failed!: number;
}

export class InsightsDto {
  @ApiProperty({ example: '2026-03-14T09:00:00.000Z', description: "the first bucket's start" })
  since!: Date;
  @ApiProperty({
    example: '2026-03-15T08:30:00.000Z',
    description: 'now: the last bucket ends here',
  })
  until!: Date;
  @ApiProperty({ example: 3600 }) bucketSeconds!: number;
  @ApiProperty({
    type: [RefreshBucketDto],
    description: 'one entry per hour, oldest first, zero-filled',
  })
  refreshes!: RefreshBucketDto[];
  @ApiProperty({
    type: [ErrcodeTallyDto],
    description: "WeChat's errcodes of the window's refreshes, most frequent first",
  })
  errcodes!: ErrcodeTallyDto[];
  @ApiProperty({
    type: [TokenExpiryBucketDto],
    description:
      'access tokens of the accounts not revoked or detached, by time left; all 7 buckets in order',
  })
  tokenExpiry!: TokenExpiryBucketDto[];
  @ApiProperty({ type: AccountTallyDto }) accounts!: AccountTallyDto;
  @ApiProperty({ type: DeliveryTallyDto, description: "forwarding to the tenants' webhooks" })
  deliveries!: DeliveryTallyDto;
}

// --- GET /v1/pushes

export class PushQueryDto extends PageLimitQueryDto {
  @ApiPropertyOptional({
    example: 'eyJpZCI6IjEwNDIifQ',
    description: "the previous page's nextCursor",
  })
  @IsOptional()
  @Matches(SEQUENCE_ID, { message: 'cursor is not a cursor of this list' })
  cursor?: string;

  @ApiPropertyOptional({ example: 'unauthorized', description: "one InfoType (WeChat's)" })
  @IsOptional()
  @Length(1, 64)
  @Matches(INFO_TYPE, { message: 'infoType is not an InfoType' })
  infoType?: string;

  @ApiPropertyOptional({ example: 'wxc0ffee0123456789' })
  @IsOptional()
  @Matches(APPID, { message: 'componentAppid is not an appid' })
  componentAppid?: string;
}

export class PushDto {
  @ApiProperty({ example: '1042', description: 'the event log id (an operator may replay it)' })
  id!: string;
  @ApiProperty({ example: 'wxc0ffee0123456789' }) componentAppid!: string;
  @ApiProperty({ example: 'authorized' }) infoType!: string;
  @ApiProperty({
    example: 'wx1234567890abcdef',
    type: String,
    nullable: true,
    description: 'the account concerned, if any',
  })
  authorizerAppid!: string | null;
  @ApiProperty({ example: '2026-03-15T08:29:58.000Z', description: "WeChat's CreateTime" })
  createTime!: Date;
  @ApiProperty({ example: '2026-03-15T08:29:58.412Z' }) receivedAt!: Date;
  @ApiProperty({ example: 'applied', enum: ['applied', 'ignored'] }) disposition!:
    'applied' | 'ignored';
  @ApiProperty({ example: null, type: String, nullable: true, description: 'why it was ignored' })
  note!: string | null;
  @ApiProperty({
    example: {
      AppId: 'wxc0ffee0123456789',
      CreateTime: 1773563398,
      InfoType: 'authorized',
      AuthorizerAppid: 'wx1234567890abcdef',
      AuthorizationCode: '[redacted]',
    },
    type: 'object',
    additionalProperties: true,
    description: 'the decrypted push, every ticket and code replaced by [redacted]',
  })
  payload!: Record<string, unknown>;
}

export class InfoTypeCountDto {
  @ApiProperty({ example: 'component_verify_ticket' }) infoType!: string;
  @ApiProperty({ example: 288 }) count!: number;
}

export class MessageTypeCountDto {
  @ApiProperty({
    example: 'text',
    description:
      'MsgType, or event:<Event> for events, lowercased (other: unusual; unknown: stored before the type was)',
  })
  msgType!: string;
  @ApiProperty({ example: 57 }) count!: number;
}

export class PushPageDto {
  @ApiProperty({ type: [PushDto], description: 'newest first' }) items!: PushDto[];
  @ApiProperty({
    example: 'eyJpZCI6IjEwNDIifQ',
    type: String,
    nullable: true,
    description: 'pass as cursor for the next page',
  })
  nextCursor!: string | null;
  @ApiProperty({
    type: [InfoTypeCountDto],
    description: 'pushes of the last 24 hours by InfoType, most frequent first',
  })
  infoTypes!: InfoTypeCountDto[];
  @ApiProperty({
    type: [MessageTypeCountDto],
    description:
      "messages to the accounts' message URL in the last 24 hours by type, most frequent first",
  })
  messageTypes!: MessageTypeCountDto[];
}

// --- /v1/jobs

export class JobQueryDto extends PageLimitQueryDto {
  @ApiPropertyOptional({
    example: 'failed',
    enum: JOB_STATUSES,
    description: 'default: every status',
  })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: JobStatus;

  @ApiPropertyOptional({
    example: 'eyJpZCI6IjEwNDIifQ',
    description: "the previous page's nextCursor",
  })
  @IsOptional()
  @Matches(SEQUENCE_ID, { message: 'cursor is not a cursor of this list' })
  cursor?: string;
}

export class JobDto {
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ example: 'authorizer.redeem' }) kind!: string;
  @ApiProperty({ example: 'wxc0ffee0123456789' }) componentAppid!: string;
  @ApiProperty({ example: 'pending', enum: JOB_STATUSES }) status!: JobStatus;
  @ApiProperty({ example: 2, description: 'tries so far' }) attempts!: number;
  @ApiProperty({
    example: 'WeChat errcode 61023: refresh_token is invalid',
    type: String,
    nullable: true,
    description: 'why the last try failed (never a secret)',
  })
  lastError!: string | null;
  @ApiProperty({ example: '2026-03-15T08:20:00.000Z' }) createdAt!: Date;
  @ApiProperty({
    example: '2026-03-15T08:35:00.000Z',
    description: 'not tried again before this (pending jobs)',
  })
  nextAttemptAt!: Date;
  @ApiProperty({
    example: null,
    type: Date,
    nullable: true,
    description: 'when it was done or failed for good',
  })
  finishedAt!: Date | null;
}

export class JobPageDto {
  @ApiProperty({ type: [JobDto], description: 'newest first; never a payload' }) items!: JobDto[];
  @ApiProperty({
    example: 'eyJpZCI6IjEwNDIifQ',
    type: String,
    nullable: true,
    description: 'pass as cursor for the next page',
  })
  nextCursor!: string | null;
}
