import {
  applyDecorators,
  Body,
  Controller,
  createParamDecorator,
  ExecutionContext,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { IssuedToken, WechatResponse } from '@app/wechat-open';
import { ApiAccess } from '../access/access.decorators.js';
import type { Principal } from '../access/principal.js';
import { ErrorBody } from '../common/error-body.dto.js';
import { checkCallRequest } from './call-request.js';
import {
  AccessTokenDto,
  CallDto,
  JsSdkConfigDto,
  JsSdkConfigQuery,
  RejectedTokenDto,
  WechatAnswerDto,
} from './token-api.dto.js';
import { Caller, TokenApiService } from './token-api.service.js';

/** The authenticated key and the request id, for the audit trail. */
const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest & { principal: Principal }>();
  return { principal: request.principal, requestId: String(request.id) };
});

const NOT_FOUND = {
  status: 404,
  description:
    'NOT_FOUND: no such account, an unknown component, or an account outside the key’s scope (one answer for all)',
  type: ErrorBody,
};
const ACCOUNT_STATE = [
  {
    status: 410,
    description: 'AUTHORIZER_REVOKED: the account revoked the authorization',
    type: ErrorBody,
  },
  {
    status: 409,
    description: 'AUTHORIZER_NEEDS_REAUTH: the account must be authorized again',
    type: ErrorBody,
  },
  {
    status: 503,
    description:
      'AUTHORIZER_TOKEN_UNAVAILABLE / WECHAT_UNAVAILABLE / WECHAT_QUOTA_EXHAUSTED: no valid token can be had now; retry later',
    type: ErrorBody,
  },
];

/** The answers every route about an account may give. */
const AccountResponses = () =>
  applyDecorators(...[NOT_FOUND, ...ACCOUNT_STATE].map((r) => ApiResponse(r)));

const token = (t: IssuedToken): AccessTokenDto => ({
  accessToken: t.token,
  expiresAt: t.expiresAt.toISOString(),
});

/**
 * The token API for services in any language (service keys only): tokens, rejected-token
 * reports, JS-SDK configs and calls on an account's behalf. Keys scoped to tenants or accounts
 * see nothing else: an account outside the scope is a 404 like one that does not exist.
 */
@ApiTags('token')
@Controller('v1/components/:componentAppid/authorizers/:authorizerAppid')
@ApiAccess('service')
@ApiParam({ name: 'componentAppid', description: "the platform's component appid" })
@ApiParam({ name: 'authorizerAppid', description: "the authorized account's appid" })
export class TokenApiController {
  constructor(private readonly api: TokenApiService) {}

  @Get('access-token')
  @ApiOperation({
    summary: "The account's authorizer_access_token",
    description:
      'Served from memory on the platform (refreshed ahead of expiry), so it may be read on every ' +
      'use. When WeChat refuses it (40001 / 42001), report it to …/access-token/rejected. ' +
      'Recorded in the secret access log.',
  })
  @ApiResponse({ status: 200, type: AccessTokenDto })
  @AccountResponses()
  async accessToken(
    @Param('componentAppid') componentAppid: string,
    @Param('authorizerAppid') authorizerAppid: string,
    @CurrentCaller() caller: Caller,
  ): Promise<AccessTokenDto> {
    const account = await this.api.account(caller.principal, componentAppid, authorizerAppid);
    return token(await this.api.accessToken(caller, account));
  }

  @Post('access-token/rejected')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Report a token WeChat refused (40001 / 42001); get the current one',
    description:
      'Compare-and-swap: only if the reported token is still the current one is it retired and ' +
      'a new one fetched; if the token has already changed, the current one is returned without ' +
      'a refresh. Many services reporting the same token cause one refresh. Same answer as GET.',
  })
  @ApiResponse({ status: 200, type: AccessTokenDto })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED', type: ErrorBody })
  @AccountResponses()
  async rejected(
    @Param('componentAppid') componentAppid: string,
    @Param('authorizerAppid') authorizerAppid: string,
    @Body() body: RejectedTokenDto,
    @CurrentCaller() caller: Caller,
  ): Promise<AccessTokenDto> {
    const account = await this.api.account(caller.principal, componentAppid, authorizerAppid);
    return token(await this.api.rejected(caller, account, body.accessToken));
  }

  @Get('jssdk-config')
  @ApiOperation({
    summary: 'The signed wx.config for a page of the account',
    description:
      "Only for a page whose host is one of the account's tenant's jssdkDomains (exact host, " +
      'or host:port). Recorded in the secret access log.',
  })
  @ApiResponse({ status: 200, type: JsSdkConfigDto })
  @ApiResponse({
    status: 400,
    description:
      "JSSDK_DOMAIN_NOT_ALLOWED: the page's host is not an allowed domain of the tenant (or the " +
      'account has no tenant); JSSDK_URL_INVALID: not an absolute http(s) URL; VALIDATION_FAILED',
    type: ErrorBody,
  })
  @AccountResponses()
  async jsSdkConfig(
    @Param('componentAppid') componentAppid: string,
    @Param('authorizerAppid') authorizerAppid: string,
    @Query() query: JsSdkConfigQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<JsSdkConfigDto> {
    const account = await this.api.account(caller.principal, componentAppid, authorizerAppid);
    const list = query.jsApiList ? query.jsApiList.split(',') : [];
    return this.api.jsSdkConfig(caller, account, query.url, list);
  }

  @Post('calls')
  @HttpCode(200)
  @ApiOperation({
    summary: "Call WeChat's API on the account's behalf",
    description:
      'The platform adds access_token, and after a 40001 / 42001 refreshes the token and retries ' +
      'once. **200: WeChat answered**, and its JSON body is returned as it is, a business errcode ' +
      'included (e.g. `{ "errcode": 40003, "errmsg": "invalid openid" }`): check errcode as with ' +
      'WeChat itself. Errors of the platform have the usual error body: 503 WECHAT_UNAVAILABLE when ' +
      'WeChat could not be reached, timed out or did not answer JSON (a POST may then have been ' +
      'carried out), 503 AUTHORIZER_TOKEN_UNAVAILABLE when no token can be had. JSON calls only ' +
      '(no media uploads). Each call is recorded in the secret access log.',
  })
  @ApiResponse({ status: 200, type: WechatAnswerDto, description: "WeChat's answer, as is" })
  @ApiResponse({
    status: 400,
    description:
      'CALL_PATH_NOT_ALLOWED / CALL_QUERY_NOT_ALLOWED / CALL_BODY_NOT_ALLOWED / VALIDATION_FAILED',
    type: ErrorBody,
  })
  @AccountResponses()
  async call(
    @Param('componentAppid') componentAppid: string,
    @Param('authorizerAppid') authorizerAppid: string,
    @Body() body: CallDto,
    @CurrentCaller() caller: Caller,
  ): Promise<WechatResponse> {
    // The request is checked before the account: a malformed call is a 400 whoever sends it.
    const request = checkCallRequest(body);
    const account = await this.api.account(caller.principal, componentAppid, authorizerAppid);
    return this.api.call(caller, account, request);
  }
}
