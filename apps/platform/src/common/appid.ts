import { Injectable, PipeTransform } from '@nestjs/common';
import { notFound } from './api-error.js';

/** What an appid looks like (WeChat's are `wx` and 16 hex digits; the sandbox's are longer). */
export const APPID = /^wx[0-9a-zA-Z]{6,30}$/;

/** An appid in a path: anything not shaped like one cannot exist (404, like any unknown id). */
@Injectable()
export class AppidPipe implements PipeTransform<string, string> {
  constructor(private readonly what = 'account') {}

  transform(value: string): string {
    if (!APPID.test(value)) throw notFound(this.what);
    return value;
  }
}
