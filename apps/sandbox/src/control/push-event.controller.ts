import {
  BadRequestException,
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
import { IsObject, IsOptional, Matches } from 'class-validator';
import { PusherService } from '../push/pusher.service.js';
import { ComponentStore } from '../state/component.store.js';
import { ControlErrorFilter } from './control-error.filter.js';

/** Nesting WeChat's notices never exceed (fast registration's `<info>`, order paths' `<list>`). */
const MAX_DEPTH = 4;

export class PushEventDto {
  /** Any InfoType, known to the platform or not. */
  @Matches(/^[A-Za-z0-9_]{1,64}$/, { message: 'infoType must be 1-64 of [A-Za-z0-9_]' })
  infoType!: string;
  /**
   * The notice's fields after AppId, CreateTime and InfoType (they may override them): strings
   * are sent in CDATA, numbers bare, objects as child elements, arrays as repeated elements.
   */
  @IsOptional() @IsObject() fields?: Record<string, unknown>;
}

/**
 * `POST /sandbox/components/:componentAppid/push-event`: pushes any notice to the component's
 * authorization-event URL, encrypted and signed as WeChat does, with WeChat's attempts, and says
 * what came of it. Part of the control API (README: "Control API").
 */
@Controller('sandbox')
@UseFilters(ControlErrorFilter)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
export class PushEventController {
  constructor(
    private readonly componentStore: ComponentStore,
    private readonly pusher: PusherService,
  ) {}

  @Post('components/:componentAppid/push-event')
  @HttpCode(200)
  async pushEvent(@Param('componentAppid') componentAppid: string, @Body() dto: PushEventDto) {
    const component = this.componentStore.get(componentAppid);
    if (!component) throw new NotFoundException(`unknown component ${componentAppid}`);
    const fields = dto.fields ?? {};
    checkValue(fields, 'fields', 0);
    const push = await this.pusher.pushEvent(component, dto.infoType, fields);
    return {
      pushed: push.delivered,
      push: {
        id: push.record.id,
        outcome: push.outcome,
        attempts: push.attempts,
        lastStatus: push.record.lastStatus ?? null,
        lastError: push.record.lastError ?? null,
      },
    };
  }
}

/** Only what XML can carry: strings, finite numbers, objects and arrays of them, not too deep. */
function checkValue(value: unknown, path: string, depth: number): void {
  if (typeof value === 'string') return;
  if (typeof value === 'number' && Number.isFinite(value)) return;
  if (depth >= MAX_DEPTH) throw new BadRequestException(`${path} nests too deep`);
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkValue(v, `${path}[${i}]`, depth + 1));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k)) {
        throw new BadRequestException(`${path}.${k.slice(0, 64)} is not an XML element name`);
      }
      checkValue(v, `${path}.${k}`, depth + 1);
    }
    return;
  }
  throw new BadRequestException(`${path} must be a string, a number, an object or an array`);
}
