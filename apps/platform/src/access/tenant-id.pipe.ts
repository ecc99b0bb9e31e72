import { Injectable, PipeTransform } from '@nestjs/common';
import { notFound } from '../common/api-error.js';
import { TENANT_ID } from './access.dto.js';

/** A tenant id in a path: anything not shaped like one cannot exist (404, like any unknown id). */
@Injectable()
export class TenantIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!TENANT_ID.test(value)) throw notFound('tenant');
    return value;
  }
}
