import { Injectable, PipeTransform } from '@nestjs/common';
import { ComponentRegistry } from '@app/wechat-open';
import { ApiError, notFound } from '../common/api-error.js';

/** A component appid in a path: one this service is not configured for is a 404. */
@Injectable()
export class ComponentAppidPipe implements PipeTransform<string, string> {
  constructor(private readonly registry: ComponentRegistry) {}

  transform(value: string): string {
    if (!this.registry.has(value)) throw notFound('component');
    return value;
  }
}

/** WeChat's rids are hex groups joined by `-` (`617682e0-09059ac5-34a8e2ea`). */
const RID = /^[0-9a-f]{1,16}(-[0-9a-f]{1,16}){1,5}$/i;

/**
 * A rid in a path: anything not shaped like one cannot exist, and is answered like one WeChat
 * does not know (the library's RidNotFoundError), without asking WeChat.
 */
@Injectable()
export class RidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!RID.test(value)) {
      throw new ApiError(404, 'RID_NOT_FOUND', 'WeChat has no request with this rid');
    }
    return value;
  }
}
