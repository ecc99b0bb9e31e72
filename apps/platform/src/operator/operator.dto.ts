import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

const APPID = /^wx[0-9a-zA-Z]{6,30}$/;
/** An absolute API path: `/cgi-bin/...` segments, no query, no fragment, no `..`. */
export const CGI_PATH = /^(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$/;

export class TicketStatusDto {
  @ApiProperty() present!: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'seconds since its CreateTime' })
  ageSec!: number | null;
  @ApiProperty({ description: 'older than TICKET_STALE_AFTER_SEC, or absent' }) stale!: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'WeChat refused it: 61005 / 61006' })
  rejectedErrcode!: number | null;
}

export class ComponentTokenStatusDto {
  @ApiProperty() present!: boolean;
  @ApiProperty({ nullable: true, type: Date }) expiresAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) refreshedAt!: Date | null;
}

export class RefreshBacklogDto {
  @ApiProperty({
    description: 'authorized accounts whose token is past its planned refresh and not refreshed',
  })
  due!: number;
  @ApiProperty({ nullable: true, type: Date }) oldestDueAt!: Date | null;
  @ApiProperty({ description: 'accounts whose last token refresh failed' }) failing!: number;
}

export class ErrcodeCountDto {
  @ApiProperty({ example: 61023 }) errcode!: number;
  @ApiProperty({ description: 'accounts whose last refresh failed with it' }) accounts!: number;
}

export class ComponentStatusDto {
  @ApiProperty({ example: 'wxc0ffee0123456789' }) appid!: string;
  @ApiProperty({ type: TicketStatusDto }) ticket!: TicketStatusDto;
  @ApiProperty({ type: ComponentTokenStatusDto }) token!: ComponentTokenStatusDto;
  @ApiProperty({ type: RefreshBacklogDto }) refreshBacklog!: RefreshBacklogDto;
  @ApiProperty({ description: "this component's durable jobs that failed for good" })
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
  @ApiProperty({ description: 'accounts api_get_authorizer_list returned' }) seen!: number;
  @ApiProperty({ description: 'accounts the platform did not know, now registered' })
  created!: number;
  @ApiProperty({ description: 'accounts whose refresh token was recovered' }) recovered!: number;
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
  @ApiProperty() callCount!: number;
  @ApiProperty() refreshSecond!: number;
}

export class ApiQuotaDto {
  @ApiProperty() componentAppid!: string;
  @ApiProperty() cgiPath!: string;
  @ApiProperty() dailyLimit!: number;
  @ApiProperty() used!: number;
  @ApiProperty() remain!: number;
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
    description:
      'the appid whose quota is reset (appid, else the component appid), typed again: a reset spends one of ten a month',
  })
  @IsString()
  @Length(1, 64)
  confirm!: string;
}

export class QuotaResetResultDto {
  @ApiProperty() componentAppid!: string;
  @ApiProperty({ description: 'the account whose quota was reset' }) targetAppid!: string;
  @ApiProperty({ example: '2025-06', description: "WeChat's calendar month (UTC+8)" })
  month!: string;
  @ApiProperty({ description: 'resets of this account this month, this one included' })
  resetsUsed!: number;
  @ApiProperty({ description: 'resets left this month (of 10)' }) resetsRemaining!: number;
}

export class RidInfoDto {
  @ApiProperty({ example: '617682e0-09059ac5-34a8e2ea' }) rid!: string;
  @ApiProperty({ nullable: true, type: Date }) invokeTime!: Date | null;
  @ApiProperty({ nullable: true, type: Number }) costMs!: number | null;
  @ApiProperty({ description: 'query string of the call, credentials withheld' })
  requestUrl!: string;
  @ApiProperty({ description: 'body of the call, credentials withheld' }) requestBody!: string;
  @ApiProperty({ description: "WeChat's answer, credentials withheld" }) responseBody!: string;
  @ApiProperty() clientIp!: string;
}

export class ReplayedEventDto {
  @ApiProperty({ example: 'unauthorized' }) infoType!: string;
  @ApiProperty({ enum: ['applied', 'ignored'] }) disposition!: 'applied' | 'ignored';
  @ApiProperty({
    nullable: true,
    type: String,
    description: "why it was ignored (older than the account's last state change), else null",
  })
  note!: string | null;
}
