import { randomBytes } from 'node:crypto';
import {
  Body,
  Controller,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  UseFilters,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { IsIn, IsInt, IsOptional, IsString, Matches } from 'class-validator';
import { PusherService } from '../push/pusher.service.js';
import { AccountStore } from '../state/account.store.js';
import { AuthorizationStore } from '../state/authorization.store.js';
import { ComponentStore } from '../state/component.store.js';
import { ControlErrorFilter } from './control-error.filter.js';

export class FastRegisterDto {
  /** 企业 (enterprise) or 个人 (personal) registration: the `info` block differs. */
  @IsIn(['enterprise', 'personal']) kind!: 'enterprise' | 'personal';
  /** The new mini program's appid; default a random one. */
  @IsOptional() @Matches(/^wx[0-9a-z]{8,30}$/) appid?: string;
  /** 0 (default): registered; anything else: failed (no appid, no auth_code in the push). */
  @IsOptional() @IsInt() status?: number;
  /** The company (enterprise) or the applicant (personal). */
  @IsOptional() @IsString() name?: string;
}

/**
 * `POST /sandbox/components/:componentAppid/fast-register`: the end of WeChat's fast registration
 * of a mini program (快速注册). On success the mini program exists, has authorized the component
 * (its default sets) and the push's `auth_code` is a real authorization code for api_query_auth;
 * either way `notify_third_fasteregister` is pushed to the event URL as WeChat shapes it.
 */
@Controller('sandbox')
@UseFilters(ControlErrorFilter)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
export class FastRegisterController {
  constructor(
    private readonly componentStore: ComponentStore,
    private readonly accountStore: AccountStore,
    private readonly authorizationStore: AuthorizationStore,
    private readonly pusher: PusherService,
  ) {}

  @Post('components/:componentAppid/fast-register')
  @HttpCode(200)
  async fastRegister(
    @Param('componentAppid') componentAppid: string,
    @Body() dto: FastRegisterDto,
  ) {
    const component = this.componentStore.get(componentAppid);
    if (!component) throw new NotFoundException(`unknown component ${componentAppid}`);
    const status = dto.status ?? 0;
    const name = dto.name ?? (dto.kind === 'enterprise' ? '快速注册测试有限公司' : '张三');
    const info =
      dto.kind === 'enterprise'
        ? {
            name,
            code: '91440300MA5FASTREG',
            code_type: 1,
            legal_persona_wechat: 'legal_persona_wx',
            legal_persona_name: '李四',
            component_phone: '13800000000',
          }
        : { wxuser: 'applicant_wx', idname: name, component_phone: '13800000000' };
    if (status !== 0) {
      const push = await this.pusher.pushEvent(component, 'notify_third_fasteregister', {
        status,
        msg: 'open verity failed',
        info,
      });
      return { appid: null, authCode: null, pushed: push.delivered, outcome: push.outcome };
    }
    const id = randomBytes(6).toString('hex');
    const account = this.accountStore.upsert({
      appid: dto.appid ?? `wxf${id}`,
      userName: `gh_${id}`,
      nickName: `Fast ${id}`,
      kind: 'mini_program',
      principalName: dto.kind === 'enterprise' ? name : '个人',
    });
    const { authorization } = this.authorizationStore.authorize(
      component.appid,
      account.appid,
      account.funcInfo,
    );
    const code = this.authorizationStore.issueAuthCode(authorization);
    const push = await this.pusher.pushEvent(component, 'notify_third_fasteregister', {
      appid: account.appid,
      status: 0,
      auth_code: code.value,
      msg: 'OK',
      info,
    });
    return {
      appid: account.appid,
      authCode: code.value,
      pushed: push.delivered,
      outcome: push.outcome,
    };
  }
}
