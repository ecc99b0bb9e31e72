import { Injectable, PipeTransform } from '@nestjs/common';
import { ApiError } from '../common/api-error.js';

/**
 * A path parameter that must have a shape (an authorization session id, a job id): anything
 * else is refused with 400 VALIDATION_FAILED before any lookup.
 */
@Injectable()
export class ShapedIdPipe implements PipeTransform<unknown, string> {
  constructor(
    private readonly name: string,
    private readonly shape: RegExp,
  ) {}

  transform(value: unknown): string {
    if (typeof value !== 'string' || !this.shape.test(value)) {
      throw new ApiError(400, 'VALIDATION_FAILED', `${this.name} is malformed`);
    }
    return value;
  }
}
