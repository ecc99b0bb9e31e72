import { Injectable, Logger } from '@nestjs/common';
import { TypedEvents } from './typed-events.js';

/** What the library announces about the component level and its own machinery. */
export interface WechatOpenEventMap {
  /** A verify ticket newer than the stored one was stored (the token keeper mints at once). */
  verify_ticket_stored: { componentAppid: string; createTime: Date };
  /** WeChat refused the stored verify ticket (61005 expired / 61006 invalid). */
  verify_ticket_rejected: { componentAppid: string; errcode: number };
  /** A durable job gave up for good: someone must look (its row keeps the last error). */
  job_failed: {
    jobId: string;
    kind: string;
    componentAppid: string;
    attempts: number;
    reason: string;
  };
}

/** Library-wide events; hosts subscribe with `on`. Listener errors are logged, never thrown. */
@Injectable()
export class WechatOpenEvents extends TypedEvents<WechatOpenEventMap> {
  constructor() {
    super(new Logger('WechatOpenEvents'));
  }
}
