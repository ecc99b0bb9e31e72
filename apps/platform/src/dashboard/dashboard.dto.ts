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
    example: 'wxc0ffee0123456789',
    description: 'the component (third-party platform); may be left out when there is one',
  })
  @IsOptional()
  @Matches(APPID, { message: 'componentAppid is not an appid' })
  componentAppid?: string;

  @ApiPropertyOptional({
    example: 'pc',
    enum: ['pc', 'mobile'],
    description: "'pc': WeChat's QR code page (default); 'mobile': a link opened in WeChat",
  })
  @IsOptional()
  @IsIn(['pc', 'mobile'])
  kind?: 'pc' | 'mobile';

  @ApiPropertyOptional({
    example: 3,
    enum: AUTH_TYPES,
    description:
      'which accounts may authorize: 1 official accounts, 2 mini programs, 3 both (default), …',
  })
  @IsOptional()
  @IsIn(AUTH_TYPES)
  authType?: AuthType;

  @ApiPropertyOptional({
    example: 'wx1234567890abcdef',
    description: 'only this account may authorize (biz_appid)',
  })
  @IsOptional()
  @Matches(APPID, { message: 'bizAppid is not an appid' })
  bizAppid?: string;

  @ApiPropertyOptional({
    example: [1, 2],
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
  @ApiProperty({ example: 'kq3J0fJ5m1xQm2sX8hM7c2T4oE9yR6bA' }) sessionId!: string;
  @ApiProperty({ example: 'acme' }) tenantId!: string;
  @ApiProperty({ example: 'wxc0ffee0123456789' }) componentAppid!: string;
  @ApiProperty({
    example: 'https://wop.acme.example/authorize/kq3J0fJ5m1xQm2sX8hM7c2T4oE9yR6bA',
    description: "the link to show or send: this platform's entry page for the session",
  })
  entryUrl!: string;
  @ApiProperty({ example: '2026-03-15T09:00:00.000Z' }) expiresAt!: Date;
  @ApiProperty({
    example: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 37 37">…</svg>',
    description: 'a QR code of entryUrl, as an SVG document',
  })
  qrSvg!: string;
  @ApiProperty({
    example: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA…',
    description: 'the same QR code as a PNG, in a data: URL',
  })
  qrPngDataUrl!: string;
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
  @ApiProperty({ example: 'kq3J0fJ5m1xQm2sX8hM7c2T4oE9yR6bA' }) sessionId!: string;
  @ApiProperty({ example: 'acme' }) tenantId!: string;
  @ApiProperty({ example: 'wxc0ffee0123456789' }) componentAppid!: string;
  @ApiProperty({
    example: 'completed',
    enum: AUTHORIZATION_SESSION_STATUSES,
    description:
      'created (link not opened), opened, completed (an account joined the tenant), refused ' +
      '(see outcome), expired (unused past expiresAt)',
  })
  status!: AuthorizationSessionStatus;
  @ApiProperty({
    example: 'wx1234567890abcdef',
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
  @ApiProperty({ example: '2026-03-15T08:20:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-03-15T09:00:00.000Z' }) expiresAt!: Date;
}

export class AuthorizerQueryDto extends PageLimitQueryDto {
  @ApiPropertyOptional({
    example: 'acme',
    description: 'operator keys: one tenant; tenant keys: their own only',
  })
  @IsOptional()
  @Matches(TENANT_ID, { message: 'tenantId is not a tenant id' })
  tenantId?: string;

  @ApiPropertyOptional({ example: 'wxc0ffee0123456789' })
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

  @ApiPropertyOptional({ example: 'official_account', enum: KINDS })
  @IsOptional()
  @IsIn(KINDS)
  kind?: (typeof KINDS)[number];

  @ApiPropertyOptional({
    example: 1,
    description: 'accounts that granted this permission set (func_info id)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  permissionSetId?: number;

  @ApiPropertyOptional({
    example: 'ACME',
    description: 'text in the nick name, the principal name or the appid',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({
    example: 'authorizedAt',
    enum: SORTS,
    description: 'default authorizedAt',
  })
  @IsOptional()
  @IsIn(SORTS)
  sort?: (typeof SORTS)[number];

  @ApiPropertyOptional({ example: 'desc', enum: ['asc', 'desc'], description: 'default desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({
    example: 'eyJpZCI6IjEwNDIifQ',
    description: "the previous page's nextCursor",
  })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  cursor?: string;
}

export class ConfirmDto {
  @ApiProperty({
    example: 'wx1234567890abcdef',
    description: 'the appid of the account, typed again to confirm',
  })
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
  @ApiProperty({ example: 'wxc0ffee0123456789' }) componentAppid!: string;
  @ApiProperty({ example: 'wx1234567890abcdef' }) authorizerAppid!: string;
  @ApiProperty({ example: 'acme', type: String, nullable: true }) tenantId!: string | null;
  @ApiProperty({ example: 'authorized', enum: AUTHORIZER_STATUSES }) status!: AuthorizerStatus;
  @ApiProperty({ example: 'official_account', enum: KINDS, nullable: true }) accountKind!:
    string | null;
  @ApiProperty({ example: 'ACME 官方服务号', type: String, nullable: true }) nickName!:
    string | null;
  @ApiProperty({ example: 'gh_eb5e3a772040', type: String, nullable: true }) userName!:
    string | null;
  @ApiProperty({ example: 'acme_official', type: String, nullable: true }) alias!: string | null;
  @ApiProperty({ example: 'ACME 科技有限公司', type: String, nullable: true }) principalName!:
    string | null;
  @ApiProperty({ example: 'ACME 的官方服务号', type: String, nullable: true }) signature!:
    string | null;
  @ApiProperty({ example: 2, type: Number, nullable: true }) serviceType!: number | null;
  @ApiProperty({ example: 0, type: Number, nullable: true }) verifyType!: number | null;
  @ApiProperty({ example: 1, type: Number, nullable: true }) accountStatus!: number | null;
  @ApiProperty({
    example:
      'http://wx.qlogo.cn/mmopen/GPyw0pGicibl5Eda4GmSSbTguhjg9LZjumHmVjybjiaQXnE9XrXEts6ny9Uv4Fk6hOScWRDibq1fI0WOkSaAjaecNTict3n6EjJaC/0',
    type: String,
    nullable: true,
  })
  headImg!: string | null;
  @ApiProperty({
    example:
      'http://mmbiz.qpic.cn/mmbiz/Bx6FaAbXiacGPnDSfHw4DhsvnkibnOIb1ibnXW9f3ZJ7QSsE0ic2TfY4O4c1OQdxRF0Pyyg1c5GbnzxFhGUnoB4Bsw/0',
    type: String,
    nullable: true,
  })
  qrcodeUrl!: string | null;
  @ApiProperty({ type: [PermissionSetDto] }) permissionSets!: PermissionSetDto[];
  @ApiProperty({ example: '2026-03-15T08:29:58.000Z', type: Date, nullable: true })
  authorizedAt!: Date | null;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z' }) updatedAt!: Date;
  @ApiProperty({ example: null, type: Date, nullable: true }) revokedAt!: Date | null;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z', type: Date, nullable: true })
  profileRefreshedAt!: Date | null;
}

export class AuthorizerPageDto {
  @ApiProperty({ type: [AuthorizerDto] }) items!: AuthorizerDto[];
  @ApiProperty({ example: 1, description: 'how many accounts match the filters' }) total!: number;
  @ApiProperty({
    example: 'eyJpZCI6IjEwNDIifQ',
    type: String,
    nullable: true,
    description: 'pass as cursor for the next page',
  })
  nextCursor!: string | null;
}

export class TokenHealthDto {
  @ApiProperty({ example: true }) hasAccessToken!: boolean;
  @ApiProperty({ example: true }) hasRefreshToken!: boolean;
  @ApiProperty({ example: '2026-03-15T10:30:00.000Z', type: Date, nullable: true })
  expiresAt!: Date | null;
  @ApiProperty({
    example: 5400,
    type: Number,
    nullable: true,
    description: 'seconds; negative once expired',
  })
  expiresInSec!: number | null;
  @ApiProperty({ example: '2026-03-15T10:15:00.000Z', type: Date, nullable: true })
  nextRefreshAt!: Date | null;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z', type: Date, nullable: true })
  lastRefreshAt!: Date | null;
  @ApiProperty({ example: 0, description: 'failed refreshes since the last success' })
  failures!: number;
  @ApiProperty({ example: null, type: Number, nullable: true }) lastErrcode!: number | null;
  @ApiProperty({
    example: false,
    description: 'refreshing stopped (revoked, detached or needs re-authorization)',
  })
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
  @ApiProperty({
    example: { status: { from: 'needs_reauth', to: 'authorized' } },
    description: 'field: {from, to}',
    type: Object,
  })
  changes!: Record<string, unknown>;
  @ApiProperty({ example: 'push:authorized' }) cause!: string;
  @ApiProperty({ example: 'wechat' }) actor!: string;
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z' }) at!: Date;
  @ApiPropertyOptional({ example: 're-authorized from the console' }) note?: string;
}

export class HistoryDto {
  @ApiProperty({ type: [HistoryEntryDto] }) items!: HistoryEntryDto[];
}

export class RefreshLogEntryDto {
  @ApiProperty({ example: '2026-03-15T08:30:00.000Z' }) at!: Date;
  @ApiProperty({ example: 'schedule', description: 'schedule, demand, invalid, redeem or sync' })
  trigger!: string;
  @ApiProperty({
    example: 'ok',
    description: 'ok, discarded_stale, revoked, needs_reauth, quota or error',
  })
  result!: string;
  @ApiProperty({
    example: null,
    type: Number,
    nullable: true,
    description: "WeChat's errcode when it refused",
  })
  errcode!: number | null;
  @ApiProperty({ example: 182 }) durationMs!: number;
  @ApiProperty({ example: 'platform-7d9f8b6c5-x2k4q', description: 'the instance that refreshed' })
  instance!: string;
}

export class RefreshLogDto {
  @ApiProperty({ type: [RefreshLogEntryDto] }) items!: RefreshLogEntryDto[];
}

export class AuthorizationEventDto {
  @ApiProperty({ example: '1042', description: 'the stored event (an operator may replay it)' })
  id!: string;
  @ApiProperty({ example: 'authorized', enum: ['authorized', 'updateauthorized', 'unauthorized'] })
  infoType!: string;
  @ApiProperty({ example: '2026-03-15T08:29:58.000Z', description: "WeChat's CreateTime" })
  createTime!: Date;
  @ApiProperty({ example: '2026-03-15T08:29:58.412Z' }) receivedAt!: Date;
  @ApiProperty({
    example: 'applied',
    enum: ['applied', 'ignored'],
    description: 'what became of the push',
  })
  disposition!: string;
  @ApiProperty({ example: null, type: String, nullable: true, description: 'why it was ignored' })
  note!: string | null;
}

export class AuthorizationEventListDto {
  @ApiProperty({ type: [AuthorizationEventDto] }) items!: AuthorizationEventDto[];
}
