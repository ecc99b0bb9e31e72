import { Injectable, PipeTransform } from '@nestjs/common';
import { WechatOpenError } from '@app/wechat-open';

const MAX_LENGTH = 512;

/**
 * A query parameter that must appear at most once (`?session=a&session=b` arrives as an array)
 * and be at most 512 characters: anything else is a 400 INVALID_QUERY, never a 500 from
 * code that expected a string.
 */
@Injectable()
export class SingleQueryPipe implements PipeTransform<unknown, string | undefined> {
  transform(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length > MAX_LENGTH) {
      throw new WechatOpenError('INVALID_QUERY', 'a query parameter is repeated or too long');
    }
    return value;
  }
}
