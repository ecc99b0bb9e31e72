import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';
import { CALL_PATH_FAMILIES } from './call-request.js';

export class AccessTokenDto {
  @ApiProperty({
    example: 'ACCESS_TOKEN',
    description:
      "the account's authorizer_access_token: send it as access_token to WeChat's API; never log it",
  })
  accessToken!: string;

  @ApiProperty({
    format: 'date-time',
    example: '2030-01-01T12:00:00.000Z',
    description:
      'when WeChat retires it. The platform refreshes well before: read again rather than cache past this',
  })
  expiresAt!: string;
}

export class RejectedTokenDto {
  @ApiProperty({ example: 'ACCESS_TOKEN', description: 'the token WeChat refused (40001 / 42001)' })
  @IsString()
  @Length(1, 512)
  accessToken!: string;
}

export class JsSdkConfigQuery {
  @ApiProperty({
    description:
      "the page's URL (its #fragment is not signed); its host must be one of the tenant's jssdkDomains",
    example: 'https://m.acme.example/shop/index.html?from=menu',
  })
  @IsString()
  @Length(1, 2048)
  url!: string;

  @ApiPropertyOptional({
    description: 'comma-separated JS interfaces put into the config (wx.config jsApiList)',
    example: 'updateAppMessageShareData,chooseImage',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_]{1,64}(,[A-Za-z0-9_]{1,64}){0,99}$/, {
    message: 'jsApiList must be comma-separated interface names',
  })
  jsApiList?: string;
}

export class JsSdkConfigDto {
  @ApiProperty({
    example: 'wx1234567890abcdef',
    description: "the account's appid (wx.config appId)",
  })
  appId!: string;
  @ApiProperty({ example: 1773563400, description: 'unix seconds, as signed' }) timestamp!: number;
  @ApiProperty({ example: 'Wm3WZYTPz0wzccnW' }) nonceStr!: string;
  @ApiProperty({
    example: '0f9de62fce790f9a083d5c99e95740ceb90c27ed',
    description: 'SHA-1 over jsapi_ticket, noncestr, timestamp and url',
  })
  signature!: string;
  @ApiProperty({ example: ['updateAppMessageShareData', 'chooseImage'], type: [String] })
  jsApiList!: string[];
}

export class CallDto {
  @ApiProperty({ example: 'GET', enum: ['GET', 'POST'] })
  @IsIn(['GET', 'POST'])
  method!: 'GET' | 'POST';

  @ApiProperty({
    description:
      `absolute path on WeChat's API host, under /${CALL_PATH_FAMILIES.join('/, /')}/; ` +
      'plain segments of letters, digits, _ . - only (no .., //, %, query, scheme or host); ' +
      'never the component API (any `component` segment), /cgi-bin/token, /cgi-bin/stable_token ' +
      'or /cgi-bin/ticket/* (the platform owns those). Otherwise 400 CALL_PATH_NOT_ALLOWED',
    example: '/cgi-bin/user/info',
  })
  @IsString()
  path!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'query parameters (strings); never access_token or component_access_token: the platform ' +
      'adds the token (else 400 CALL_QUERY_NOT_ALLOWED)',
    example: { openid: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', lang: 'zh_CN' },
  })
  @IsOptional()
  @IsObject()
  query?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'JSON body, POST only (else 400 CALL_BODY_NOT_ALLOWED)',
    example: { touser: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', msgtype: 'text', text: { content: 'hi' } },
  })
  @IsOptional()
  @IsObject()
  body?: Record<string, unknown>;
}

export class WechatAnswerDto {
  @ApiPropertyOptional({ description: "WeChat's errcode; 0 or absent on success", example: 0 })
  errcode?: number;
  @ApiPropertyOptional({ example: 'ok' }) errmsg?: string;
}
