import { randomInt } from 'node:crypto';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Put,
  UseFilters,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { WechatMessageCrypto } from '@app/wechat-open';
import { FaultInjector } from '../common/fault-injector.service.js';
import { SandboxClock } from '../common/sandbox.clock.js';
import { AuthorizationService } from '../push/authorization.service.js';
import { PusherService } from '../push/pusher.service.js';
import { TicketScheduler } from '../push/ticket-scheduler.service.js';
import { SandboxComponentConfig } from '../sandbox.options.js';
import { SandboxCounters } from '../state/sandbox-counters.service.js';
import { AccountStore } from '../state/account.store.js';
import { AuthorizationStore } from '../state/authorization.store.js';
import { ComponentStore } from '../state/component.store.js';
import { SandboxStore } from '../state/sandbox.store.js';
import { SentMessageStore } from '../state/sent-message.store.js';
import { SettingsStore } from '../state/settings.store.js';
import { TokenStore } from '../state/token.store.js';
import { ControlErrorFilter } from './control-error.filter.js';
import {
  AccountDto,
  ClockAdvanceDto,
  ComponentDto,
  FaultDto,
  FuncInfoDto,
  MessageDto,
  SettingsDto,
} from './control.dto.js';

const DEFAULT_OPENID = 'o_sandbox_user_openid_000001';

/** Components without their secret, token and key. */
function publicComponent(c: SandboxComponentConfig) {
  return {
    appid: c.appid,
    eventUrl: c.eventUrl ?? null,
    messageUrl: c.messageUrl ?? null,
    authDomain: c.authDomain ?? null,
  };
}

/** The sandbox's own JSON API (README: "Control API"). Never called by the platform. */
@Controller('sandbox')
@UseFilters(ControlErrorFilter)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
export class ControlController {
  constructor(
    private readonly store: SandboxStore,
    private readonly componentStore: ComponentStore,
    private readonly accountStore: AccountStore,
    private readonly authorizationStore: AuthorizationStore,
    private readonly tokenStore: TokenStore,
    private readonly sentMessageStore: SentMessageStore,
    private readonly settingsStore: SettingsStore,
    private readonly counters: SandboxCounters,
    private readonly faults: FaultInjector,
    private readonly clock: SandboxClock,
    private readonly tickets: TicketScheduler,
    private readonly authorizations: AuthorizationService,
    private readonly pusher: PusherService,
  ) {}

  @Get()
  summary() {
    return {
      components: this.componentStore.list().map(publicComponent),
      accounts: this.accountStore.list().length,
      settings: this.settingsStore.current,
      clockOffsetMs: this.clock.offset,
    };
  }

  // ---- components and accounts -------------------------------------------------------------

  @Get('components')
  listComponents() {
    return this.componentStore.list().map(publicComponent);
  }

  @Post('components')
  addComponent(@Body() dto: ComponentDto) {
    try {
      new WechatMessageCrypto({
        token: dto.token,
        encodingAesKey: dto.encodingAesKey,
        appid: dto.appid,
      });
    } catch (error) {
      throw new BadRequestException(error instanceof Error ? error.message : String(error));
    }
    return publicComponent(this.componentStore.upsert({ ...dto }));
  }

  @Delete('components/:componentAppid')
  removeComponent(@Param('componentAppid') appid: string) {
    if (!this.componentStore.remove(appid))
      throw new NotFoundException(`unknown component ${appid}`);
    return { removed: appid };
  }

  @Get('accounts')
  listAccounts() {
    return this.accountStore.list();
  }

  @Post('accounts')
  addAccount(@Body() dto: AccountDto) {
    return this.accountStore.upsert({ ...dto });
  }

  @Get('components/:componentAppid/authorizations')
  listAuthorizations(@Param('componentAppid') componentAppid: string) {
    this.component(componentAppid);
    return this.authorizationStore.list(componentAppid);
  }

  // ---- authorization without a browser -----------------------------------------------------

  @Post('components/:componentAppid/accounts/:appid/authorize')
  @HttpCode(200)
  authorize(
    @Param('componentAppid') componentAppid: string,
    @Param('appid') appid: string,
    @Body() dto: FuncInfoDto,
  ) {
    return this.authorizations.grant({
      componentAppid,
      authorizerAppid: appid,
      funcInfo: dto.funcInfo,
    });
  }

  @Post('components/:componentAppid/accounts/:appid/update')
  @HttpCode(200)
  update(
    @Param('componentAppid') componentAppid: string,
    @Param('appid') appid: string,
    @Body() dto: FuncInfoDto,
  ) {
    if (!dto.funcInfo) throw new BadRequestException('funcInfo is required');
    return this.authorizations.grant({
      componentAppid,
      authorizerAppid: appid,
      funcInfo: dto.funcInfo,
      requireExisting: true,
    });
  }

  @Post('components/:componentAppid/accounts/:appid/revoke')
  @HttpCode(200)
  revoke(@Param('componentAppid') componentAppid: string, @Param('appid') appid: string) {
    return this.authorizations.revoke(componentAppid, appid);
  }

  // ---- pushes --------------------------------------------------------------------------------

  @Post('components/:componentAppid/push-ticket')
  @HttpCode(200)
  pushTicket(@Param('componentAppid') componentAppid: string) {
    return this.tickets.pushTicket(componentAppid);
  }

  @Post('components/:componentAppid/accounts/:appid/message')
  @HttpCode(200)
  async message(
    @Param('componentAppid') componentAppid: string,
    @Param('appid') appid: string,
    @Body() dto: MessageDto,
  ) {
    const component = this.component(componentAppid);
    const account = this.accountStore.get(appid);
    if (!account) throw new NotFoundException(`unknown account ${appid}`);
    this.authorizationStore.active(componentAppid, appid);
    const msgType = dto.msgType ?? (dto.content !== undefined ? 'text' : 'event');
    const fields: Record<string, string | number> = { MsgType: msgType };
    if (dto.content !== undefined) fields.Content = dto.content;
    for (const [key, value] of Object.entries(dto.fields ?? {})) {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new BadRequestException(`fields.${key} must be a string or a number`);
      }
      fields[key] = value;
    }
    if (msgType !== 'event' && fields.MsgId === undefined) {
      fields.MsgId = `${Date.now()}${randomInt(100_000, 999_999)}`;
    }
    const result = await this.pusher.pushMessage(
      component,
      account,
      dto.openid ?? DEFAULT_OPENID,
      fields,
    );
    return {
      delivered: result.delivered,
      attempts: result.attempts,
      outcome: result.outcome,
      target: result.record.target,
      pushId: result.record.id,
      reply: result.reply ?? null,
      rawReply: result.rawReply ?? null,
      error: result.record.lastError ?? null,
    };
  }

  // ---- tokens ----------------------------------------------------------------------------------

  @Post('accounts/:appid/invalidate-token')
  @HttpCode(200)
  invalidateToken(@Param('appid') appid: string) {
    if (!this.accountStore.get(appid)) throw new NotFoundException(`unknown account ${appid}`);
    return { invalidated: this.tokenStore.invalidateAuthorizerTokens(appid) };
  }

  @Get('accounts/:appid/sent-messages')
  sentMessages(@Param('appid') appid: string) {
    return this.sentMessageStore.list(appid);
  }

  // ---- settings, clock -----------------------------------------------------------------------

  @Get('settings')
  settings() {
    return this.settingsStore.current;
  }

  @Put('settings')
  updateSettings(@Body() dto: SettingsDto) {
    const patch = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined));
    const settings = this.settingsStore.update(patch);
    this.tickets.reschedule();
    return settings;
  }

  @Get('clock')
  clockNow() {
    return { now: this.clock.now().toISOString(), offsetMs: this.clock.offset };
  }

  @Post('clock/advance')
  @HttpCode(200)
  advanceClock(@Body() dto: ClockAdvanceDto) {
    this.clock.advance(dto.seconds * 1000);
    return this.clockNow();
  }

  // ---- faults ----------------------------------------------------------------------------------

  @Post('faults')
  addFault(@Body() dto: FaultDto) {
    if (
      dto.errcode === undefined &&
      dto.httpStatus === undefined &&
      dto.latencyMs === undefined &&
      !dto.hang &&
      !dto.loseAnswer
    ) {
      throw new BadRequestException(
        'a fault needs errcode, httpStatus, latencyMs, hang or loseAnswer',
      );
    }
    return this.faults.add({ ...dto });
  }

  @Get('faults')
  listFaults() {
    return this.faults.list();
  }

  @Delete('faults')
  clearFaults() {
    this.faults.clear();
    return { cleared: true };
  }

  @Delete('faults/:id')
  removeFault(@Param('id') id: string) {
    if (!this.faults.remove(id)) throw new NotFoundException(`unknown fault ${id}`);
    return { removed: id };
  }

  // ---- counters and reset ----------------------------------------------------------------------

  @Get('counters')
  countersSnapshot() {
    return this.counters.snapshot();
  }

  @Post('counters/reset')
  @HttpCode(200)
  resetCounters() {
    this.counters.reset();
    return { reset: 'counters' };
  }

  @Post('reset')
  @HttpCode(200)
  reset() {
    this.store.resetRuntime();
    this.counters.reset();
    this.faults.clear();
    this.clock.reset();
    this.tickets.reschedule();
    return { reset: 'runtime' };
  }

  private component(appid: string): SandboxComponentConfig {
    const component = this.componentStore.get(appid);
    if (!component) throw new NotFoundException(`unknown component ${appid}`);
    return component;
  }
}
