import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

const APPID = /^wx[0-9a-zA-Z]{6,30}$/;
/** An absolute API path: `/cgi-bin/...` segments, no query, no fragment, no `..`. */
export const CGI_PATH = /^(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$/;

export class TicketStatusDto {
  @ApiProperty({ example: true }) present!: boolean;
  @ApiProperty({
    example: 312,
    nullable: true,
    type: Number,
    description: 'seconds since its CreateTime',
  })
  ageSec!: number | null;
  @ApiProperty({ example: false, description: 'older than TICKET_STALE_AFTER_SEC, or absent' })
  stale!: boolean;
  @ApiProperty({
    example: 61006,
    nullable: true,
    type: Number,
    description: 'WeChat refused it: 61005 / 61006',
  })
  rejectedErrcode!: number | null;
}

export class ComponentTokenStatusDto {
  @ApiProperty({ example: true }) present!: boolean;
  @ApiProperty({ example: '2026-03-15T10:30:00.000Z', nullable: true, type: Date })
  expiresAt!: Date | null;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z', nullable: true, type: Date })
  refreshedAt!: Date | null;
}

export class RefreshBacklogDto {
  @ApiProperty({
    example: 0,
    description: 'authorized accounts whose token is past its planned refresh and not refreshed',
  })
  due!: number;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z', nullable: true, type: Date })
  oldestDueAt!: Date | null;
  @ApiProperty({ example: 2, description: 'accounts whose last token refresh failed' })
  failing!: number;
}

export class ErrcodeCountDto {
  @ApiProperty({ example: 61023 }) errcode!: number;
  @ApiProperty({ example: 2, description: 'accounts whose last refresh failed with it' })
  accounts!: number;
}

export class ComponentStatusDto {
  @ApiProperty({ example: 'wxc0ffee0123456789' }) appid!: string;
  @ApiProperty({ type: TicketStatusDto }) ticket!: TicketStatusDto;
  @ApiProperty({ type: ComponentTokenStatusDto }) token!: ComponentTokenStatusDto;
  @ApiProperty({ type: RefreshBacklogDto }) refreshBacklog!: RefreshBacklogDto;
  @ApiProperty({ example: 0, description: "this component's durable jobs that failed for good" })
  failedJobs!: number;
  @ApiProperty({
    type: [ErrcodeCountDto],
    description: 'last refresh errcodes, most frequent first',
  })
  lastErrcodes!: ErrcodeCountDto[];
}

export class ComponentListDto {
  @ApiProperty({ type: [ComponentStatusDto] }) items!: ComponentStatusDto[];
}

export class ListSyncResultDto {
  @ApiProperty({ example: 120, description: 'accounts api_get_authorizer_list returned' })
  seen!: number;
  @ApiProperty({ example: 3, description: 'accounts the platform did not know, now registered' })
  created!: number;
  @ApiProperty({ example: 1, description: 'accounts whose refresh token was recovered' })
  recovered!: number;
}

export class QuotaQuery {
  @ApiProperty({ example: '/cgi-bin/component/api_component_token', maxLength: 256 })
  @IsString()
  @MaxLength(256)
  @Matches(CGI_PATH, {
    message: 'cgiPath must be an absolute API path such as /cgi-bin/component/api_component_token',
  })
  cgiPath!: string;
}

export class RateLimitDto {
  @ApiProperty({ example: 100 }) callCount!: number;
  @ApiProperty({ example: 60 }) refreshSecond!: number;
}

export class ApiQuotaDto {
  @ApiProperty({ example: 'wxc0ffee0123456789' }) componentAppid!: string;
  @ApiProperty({ example: '/cgi-bin/message/custom/send' }) cgiPath!: string;
  @ApiProperty({ example: 500000 }) dailyLimit!: number;
  @ApiProperty({ example: 1024 }) used!: number;
  @ApiProperty({ example: 498976 }) remain!: number;
  @ApiProperty({ type: RateLimitDto, nullable: true }) rateLimit!: RateLimitDto | null;
  @ApiProperty({
    type: RateLimitDto,
    nullable: true,
    description: "WeChat's separate limit of calls the platform makes (component_rate_limit)",
  })
  componentRateLimit!: RateLimitDto | null;
}

export class ResetQuotaDto {
  @ApiPropertyOptional({
    description: "an authorized account's appid; absent: the component's own quota",
    example: 'wx1234567890abcdef',
  })
  @IsOptional()
  @Matches(APPID, { message: 'appid must be a WeChat appid (wx...)' })
  appid?: string;

  @ApiProperty({
    example: 'wx1234567890abcdef',
    description:
      'the appid whose quota is reset (appid, else the component appid), typed again: a reset spends one of ten a month',
  })
  @IsString()
  @Length(1, 64)
  confirm!: string;
}

export class QuotaResetResultDto {
  @ApiProperty({ example: 'wxc0ffee0123456789' }) componentAppid!: string;
  @ApiProperty({ example: 'wx1234567890abcdef', description: 'the account whose quota was reset' })
  targetAppid!: string;
  @ApiProperty({ example: '2025-06', description: "WeChat's calendar month (UTC+8)" })
  month!: string;
  @ApiProperty({ example: 1, description: 'resets of this account this month, this one included' })
  resetsUsed!: number;
  @ApiProperty({ example: 9, description: 'resets left this month (of 10)' })
  resetsRemaining!: number;
}

export class RidInfoDto {
  @ApiProperty({ example: '617682e0-09059ac5-34a8e2ea' }) rid!: string;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z', nullable: true, type: Date })
  invokeTime!: Date | null;
  @ApiProperty({ example: 120, nullable: true, type: Number }) costMs!: number | null;
  @ApiProperty({
    example: 'access_token=ACCESS_TOKEN',
    description: 'query string of the call, credentials withheld',
  })
  requestUrl!: string;
  @ApiProperty({
    example: '{"touser":"o6_bmjrPTlm6_2sgVt7hMZOPfL2M","msgtype":"text"}',
    description: 'body of the call, credentials withheld',
  })
  requestBody!: string;
  @ApiProperty({
    example: '{"errcode":45009,"errmsg":"reach max api daily quota limit"}',
    description: "WeChat's answer, credentials withheld",
  })
  responseBody!: string;
  @ApiProperty({ example: '203.0.113.10' }) clientIp!: string;
}

export class ReplayedEventDto {
  @ApiProperty({ example: 'unauthorized' }) infoType!: string;
  @ApiProperty({ example: 'applied', enum: ['applied', 'ignored'] }) disposition!:
    'applied' | 'ignored';
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: "why it was ignored (older than the account's last state change), else null",
  })
  note!: string | null;
}
