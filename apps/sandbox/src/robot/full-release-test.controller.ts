import {
  Body,
  Controller,
  HttpCode,
  Param,
  Post,
  UseFilters,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { ControlErrorFilter } from '../control/control-error.filter.js';
import { FullReleaseTestDto } from './full-release-test.dto.js';
import { FullReleaseReport, FullReleaseTestService } from './full-release-test.service.js';

/** Control API: run WeChat's full-release robot test against a component's message URL. */
@Controller('sandbox/components/:componentAppid/full-release-test')
@UseFilters(ControlErrorFilter)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
export class FullReleaseTestController {
  constructor(private readonly robot: FullReleaseTestService) {}

  @Post()
  @HttpCode(200)
  run(
    @Param('componentAppid') componentAppid: string,
    @Body() dto: FullReleaseTestDto,
  ): Promise<FullReleaseReport> {
    return this.robot.run(componentAppid, dto);
  }
}
