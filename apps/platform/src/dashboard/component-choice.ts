import { Injectable } from '@nestjs/common';
import { ComponentRegistry } from '@app/wechat-open';
import { ApiError, notFound } from '../common/api-error.js';

/** Which component a request means: the one named, or the only one configured. */
@Injectable()
export class ComponentChoice {
  constructor(private readonly registry: ComponentRegistry) {}

  resolve(componentAppid: string | undefined): string {
    if (componentAppid !== undefined) {
      if (!this.registry.has(componentAppid)) throw notFound('component');
      return componentAppid;
    }
    const all = this.registry.appids();
    if (all.length !== 1) {
      throw new ApiError(
        400,
        'VALIDATION_FAILED',
        'componentAppid is required: this platform has several components',
      );
    }
    return all[0];
  }
}
