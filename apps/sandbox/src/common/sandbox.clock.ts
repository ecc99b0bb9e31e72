import { Injectable } from '@nestjs/common';
import { Clock } from '@app/wechat-open';

/**
 * Wall-clock time plus an offset the control API can move forward, so that callers can expire
 * tokens and codes without sleeping. Push timers still run on real time.
 */
@Injectable()
export class SandboxClock extends Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  nowSec(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  get offset(): number {
    return this.offsetMs;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
