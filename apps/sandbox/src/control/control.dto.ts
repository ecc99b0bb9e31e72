import { Type } from 'class-transformer';
import {
  IsArray,
  IsIP,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';
import type {
  AccountKind,
  AuthorizedPushTiming,
  SandboxAccountInput,
  SandboxComponentConfig,
  SandboxSettings,
} from '../sandbox.options.js';

const HTTP_URL = /^https?:\/\/[^\s/]+(\/\S*)?$/;

export class ComponentDto implements SandboxComponentConfig {
  @IsString() @IsNotEmpty() appid!: string;
  @IsString() @IsNotEmpty() secret!: string;
  @IsString() @IsNotEmpty() token!: string;
  @Matches(/^[A-Za-z0-9]{43}$/, { message: 'encodingAesKey must be 43 characters of [A-Za-z0-9]' })
  encodingAesKey!: string;
  @IsOptional()
  @Matches(/^[A-Za-z0-9]{43}$/, { message: 'previousEncodingAesKey must be 43 characters' })
  previousEncodingAesKey?: string;
  @IsOptional()
  @Matches(HTTP_URL, { message: 'eventUrl must be an http(s) URL' })
  eventUrl?: string;
  @IsOptional()
  @Matches(HTTP_URL, { message: 'messageUrl must be an http(s) URL' })
  messageUrl?: string;
  @IsOptional()
  @Matches(/^[A-Za-z0-9.-]+(:\d+)?$/, { message: 'authDomain must be host[:port]' })
  authDomain?: string;
}

export class AccountDto implements SandboxAccountInput {
  @IsString() @IsNotEmpty() appid!: string;
  @IsString() @IsNotEmpty() userName!: string;
  @IsString() @IsNotEmpty() nickName!: string;
  @IsIn(['official_account', 'mini_program']) kind!: AccountKind;
  @IsString() @IsNotEmpty() principalName!: string;
  @IsOptional() @IsInt() serviceType?: number;
  @IsOptional() @IsInt() verifyType?: number;
  @IsOptional() @IsString() headImg?: string;
  @IsOptional() @IsString() alias?: string;
  @IsOptional() @IsString() signature?: string;
  @IsOptional() @IsInt() accountStatus?: number;
  @IsOptional() @IsArray() @IsInt({ each: true }) @Min(1, { each: true }) funcInfo?: number[];
}

export class FuncInfoDto {
  @IsOptional() @IsArray() @IsInt({ each: true }) @Min(1, { each: true }) funcInfo?: number[];
}

export class MessageDto {
  /** The user; default `o_sandbox_user_openid_000001`. */
  @IsOptional() @IsString() @IsNotEmpty() openid?: string;
  /** Text content; makes MsgType text unless msgType says otherwise. */
  @IsOptional() @IsString() content?: string;
  @IsOptional() @IsString() @IsNotEmpty() msgType?: string;
  /** Extra payload fields (e.g. {"Event": "subscribe"}); strings and numbers only. */
  @IsOptional() @IsObject() fields?: Record<string, string | number>;
}

export class SettingsDto implements Partial<SandboxSettings> {
  @IsOptional() @IsInt() @Min(1) componentTokenTtlSec?: number;
  @IsOptional() @IsInt() @Min(1) authorizerTokenTtlSec?: number;
  @IsOptional() @IsInt() @Min(1) jsapiTicketTtlSec?: number;
  @IsOptional() @IsInt() @Min(1) ticketTtlSec?: number;
  @IsOptional() @IsInt() @Min(0) ticketPushIntervalMs?: number;
  @IsOptional() @IsInt() @Min(0) tokenGraceSec?: number;
  @IsOptional() @IsInt() @Min(1) preAuthCodeTtlSec?: number;
  @IsOptional() @IsInt() @Min(1) authCodeTtlSec?: number;
  @IsOptional() @IsInt() @Min(1) pushTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(1) @Max(10) pushAttempts?: number;
  @IsOptional()
  @IsIn(['before_redirect', 'after_redirect', 'none'])
  authorizedPushTiming?: AuthorizedPushTiming;
  @IsOptional() @IsInt() @Min(0) afterRedirectPushDelayMs?: number;
  @IsOptional() @IsInt() @Min(0) apiDailyLimit?: number;
  @IsOptional() @IsInt() @Min(0) ridTtlSec?: number;
  @IsOptional() @IsArray() @IsIP(undefined, { each: true }) callbackIps?: string[];
}

export class FaultDto {
  @IsString() @IsNotEmpty() endpoint!: string;
  @IsOptional() @IsInt() errcode?: number;
  @IsOptional() @IsInt() @Min(100) @Max(599) httpStatus?: number;
  @IsOptional() @IsInt() @Min(0) latencyMs?: number;
  @IsOptional() @IsBoolean() hang?: boolean;
  @IsOptional() @IsBoolean() loseAnswer?: boolean;
  @IsOptional() @IsNumber() @Min(0) @Max(1) probability?: number;
  @IsOptional() @IsInt() @Min(1) count?: number;
  @IsOptional() @IsArray() @IsString({ each: true }) appids?: string[];
}

export class ClockAdvanceDto {
  @Type(() => Number) @IsNumber() @Min(0) seconds!: number;
}
