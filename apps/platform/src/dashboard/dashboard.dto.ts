import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Min,
} from 'class-validator';
import { AUTH_TYPES } from '@app/wechat-open';
import type { AuthType, AuthorizerStatus } from '@app/wechat-open';
import { TENANT_ID } from '../access/access.dto.js';
import { APPID } from '../common/appid.js';
import { commaList, PageLimitQueryDto } from '../common/page-query.dto.js';

export const AUTHORIZER_STATUSES: readonly AuthorizerStatus[] = [
  'authorized',
  'revoked',
  'needs_reauth',
  'detached',
];
const KINDS = ['official_account', 'mini_program'] as const;
const SORTS = ['authorizedAt', 'updatedAt', 'nickName'] as const;

export class CreateAuthorizationSessionDto {
  @ApiPropertyOptional({
    description: 'the tenant the account will belong to (a tenant key: its own, the default)',
    example: 'acme',
  })
  @IsOptional()
  @Matches(TENANT_ID, { message: 'tenantId is not a tenant id' })
  tenantId?: string;

  @ApiPropertyOptional({
    description: 'the component (third-party platform); may be left out when there is one',
  })
  @IsOptional()
  @Matches(APPID, { message: 'componentAppid is not an appid' })
  componentAppid?: string;

  @ApiPropertyOptional({
    enum: ['pc', 'mobile'],
    description: "'pc': WeChat's QR code page (default); 'mobile': a link opened in WeChat",
  })
  @IsOptional()
  @IsIn(['pc', 'mobile'])
  kind?: 'pc' | 'mobile';

  @ApiPropertyOptional({
    enum: AUTH_TYPES,
    description:
      'which accounts may authorize: 1 official accounts, 2 mini programs, 3 both (default), …',
  })
  @IsOptional()
  @IsIn(AUTH_TYPES)
  authType?: AuthType;

  @ApiPropertyOptional({ description: 'only this account may authorize (biz_appid)' })
  @IsOptional()
  @Matches(APPID, { message: 'bizAppid is not an appid' })
  bizAppid?: string;

  @ApiPropertyOptional({
    type: [Number],
    description: 'permission sets to offer (category_id_list)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsInt({ each: true })
  @Min(1, { each: true })
  categoryIdList?: number[];

  @ApiPropertyOptional({
    description:
      "where the user is sent afterwards: under one of the tenant's returnUrlPrefixes, or under " +
      "this platform's own `<publicBaseUrl>/console/` (always allowed: the platform's own page). " +
      'Default `<publicBaseUrl>/console/connected`.',
    example: 'https://dashboard.acme.example/wechat/return/done',
  })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  returnUrl?: string;
}

export class AuthorizationSessionDto {
  @ApiProperty() sessionId!: string;
  @ApiProperty() tenantId!: string;
  @ApiProperty() componentAppid!: string;
  @ApiProperty({
    description: "the link to show or send: this platform's entry page for the session",
  })
  entryUrl!: string;
  @ApiProperty() expiresAt!: Date;
  @ApiProperty({ description: 'a QR code of entryUrl, as an SVG document' }) qrSvg!: string;
  @ApiProperty({ description: 'the same QR code as a PNG, in a data: URL' }) qrPngDataUrl!: string;
}

/** A session id as PreAuthService makes them (24 random bytes, base64url). */
export const SESSION_ID = /^[A-Za-z0-9_-]{32}$/;

export const AUTHORIZATION_SESSION_STATUSES = [
  'created',
  'opened',
  'completed',
  'refused',
  'expired',
] as const;
export type AuthorizationSessionStatus = (typeof AUTHORIZATION_SESSION_STATUSES)[number];

export class AuthorizationSessionStatusDto {
  @ApiProperty() sessionId!: string;
  @ApiProperty() tenantId!: string;
  @ApiProperty() componentAppid!: string;
  @ApiProperty({
    enum: AUTHORIZATION_SESSION_STATUSES,
    description:
      'created (link not opened), opened, completed (an account joined the tenant), refused ' +
      '(see outcome), expired (unused past expiresAt)',
  })
  status!: AuthorizationSessionStatus;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'the account that authorized through it, once known',
  })
  authorizerAppid!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'ok',
    description: 'ok, or why the account did not join: TENANT_CONFLICT, AUTHORIZATION_CANCELLED, …',
  })
  outcome!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() expiresAt!: Date;
}

export class AuthorizerQueryDto extends PageLimitQueryDto {
  @ApiPropertyOptional({ description: 'operator keys: one tenant; tenant keys: their own only' })
  @IsOptional()
  @Matches(TENANT_ID, { message: 'tenantId is not a tenant id' })
  tenantId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(APPID, { message: 'componentAppid is not an appid' })
  componentAppid?: string;

  @ApiPropertyOptional({
    description: `comma-separated: ${AUTHORIZER_STATUSES.join(', ')}`,
    example: 'authorized,needs_reauth',
  })
  @IsOptional()
  @Transform(commaList)
  @IsArray()
  @ArrayMaxSize(4)
  @IsIn(AUTHORIZER_STATUSES, { each: true })
  status?: AuthorizerStatus[];

  @ApiPropertyOptional({ enum: KINDS })
  @IsOptional()
  @IsIn(KINDS)
  kind?: (typeof KINDS)[number];

  @ApiPropertyOptional({ description: 'accounts that granted this permission set (func_info id)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  permissionSetId?: number;

  @ApiPropertyOptional({ description: 'text in the nick name, the principal name or the appid' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({ enum: SORTS, description: 'default authorizedAt' })
  @IsOptional()
  @IsIn(SORTS)
  sort?: (typeof SORTS)[number];

  @ApiPropertyOptional({ enum: ['asc', 'desc'], description: 'default desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({ description: "the previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  cursor?: string;
}

export class ConfirmDto {
  @ApiProperty({ description: 'the appid of the account, typed again to confirm' })
  @IsString()
  @Length(1, 64)
  confirm!: string;
}

export class PermissionSetDto {
  @ApiProperty({ example: 1 }) id!: number;
  @ApiProperty({ type: String, nullable: true, example: 'Message management' }) name!:
    string | null;
}

export class AuthorizerDto {
  @ApiProperty() componentAppid!: string;
  @ApiProperty() authorizerAppid!: string;
  @ApiProperty({ type: String, nullable: true }) tenantId!: string | null;
  @ApiProperty({ enum: AUTHORIZER_STATUSES }) status!: AuthorizerStatus;
  @ApiProperty({ enum: KINDS, nullable: true }) accountKind!: string | null;
  @ApiProperty({ type: String, nullable: true }) nickName!: string | null;
  @ApiProperty({ type: String, nullable: true }) userName!: string | null;
  @ApiProperty({ type: String, nullable: true }) alias!: string | null;
  @ApiProperty({ type: String, nullable: true }) principalName!: string | null;
  @ApiProperty({ type: String, nullable: true }) signature!: string | null;
  @ApiProperty({ type: Number, nullable: true }) serviceType!: number | null;
  @ApiProperty({ type: Number, nullable: true }) verifyType!: number | null;
  @ApiProperty({ type: Number, nullable: true }) accountStatus!: number | null;
  @ApiProperty({ type: String, nullable: true }) headImg!: string | null;
  @ApiProperty({ type: String, nullable: true }) qrcodeUrl!: string | null;
  @ApiProperty({ type: [PermissionSetDto] }) permissionSets!: PermissionSetDto[];
  @ApiProperty({ type: Date, nullable: true }) authorizedAt!: Date | null;
  @ApiProperty() updatedAt!: Date;
  @ApiProperty({ type: Date, nullable: true }) revokedAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) profileRefreshedAt!: Date | null;
}

export class AuthorizerPageDto {
  @ApiProperty({ type: [AuthorizerDto] }) items!: AuthorizerDto[];
  @ApiProperty({ description: 'how many accounts match the filters' }) total!: number;
  @ApiProperty({ type: String, nullable: true, description: 'pass as cursor for the next page' })
  nextCursor!: string | null;
}

export class TokenHealthDto {
  @ApiProperty() hasAccessToken!: boolean;
  @ApiProperty() hasRefreshToken!: boolean;
  @ApiProperty({ type: Date, nullable: true }) expiresAt!: Date | null;
  @ApiProperty({ type: Number, nullable: true, description: 'seconds; negative once expired' })
  expiresInSec!: number | null;
  @ApiProperty({ type: Date, nullable: true }) nextRefreshAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) lastRefreshAt!: Date | null;
  @ApiProperty({ description: 'failed refreshes since the last success' }) failures!: number;
  @ApiProperty({ type: Number, nullable: true }) lastErrcode!: number | null;
  @ApiProperty({ description: 'refreshing stopped (revoked, detached or needs re-authorization)' })
  paused!: boolean;
}

export class AuthorizerDetailDto {
  @ApiProperty({ type: AuthorizerDto }) authorizer!: AuthorizerDto;
  @ApiProperty({
    type: TokenHealthDto,
    nullable: true,
    description: 'null: no token was ever stored',
  })
  tokenHealth!: TokenHealthDto | null;
}

export class HistoryEntryDto {
  @ApiProperty({ example: 'authorized' }) action!: string;
  @ApiProperty({ description: 'field: {from, to}', type: Object }) changes!: Record<
    string,
    unknown
  >;
  @ApiProperty({ example: 'push:authorized' }) cause!: string;
  @ApiProperty() actor!: string;
  @ApiProperty() at!: Date;
  @ApiPropertyOptional() note?: string;
}

export class HistoryDto {
  @ApiProperty({ type: [HistoryEntryDto] }) items!: HistoryEntryDto[];
}

export class RefreshLogEntryDto {
  @ApiProperty() at!: Date;
  @ApiProperty({ example: 'schedule', description: 'schedule, demand, invalid, redeem or sync' })
  trigger!: string;
  @ApiProperty({
    example: 'ok',
    description: 'ok, discarded_stale, revoked, needs_reauth, quota or error',
  })
  result!: string;
  @ApiProperty({ type: Number, nullable: true, description: "WeChat's errcode when it refused" })
  errcode!: number | null;
  @ApiProperty() durationMs!: number;
  @ApiProperty({ description: 'the instance that refreshed' }) instance!: string;
}

export class RefreshLogDto {
  @ApiProperty({ type: [RefreshLogEntryDto] }) items!: RefreshLogEntryDto[];
}

export class AuthorizationEventDto {
  @ApiProperty({ description: 'the stored event (an operator may replay it)' }) id!: string;
  @ApiProperty({ enum: ['authorized', 'updateauthorized', 'unauthorized'] }) infoType!: string;
  @ApiProperty({ description: "WeChat's CreateTime" }) createTime!: Date;
  @ApiProperty() receivedAt!: Date;
  @ApiProperty({ enum: ['applied', 'ignored'], description: 'what became of the push' })
  disposition!: string;
  @ApiProperty({ type: String, nullable: true, description: 'why it was ignored' })
  note!: string | null;
}

export class AuthorizationEventListDto {
  @ApiProperty({ type: [AuthorizationEventDto] }) items!: AuthorizationEventDto[];
}
