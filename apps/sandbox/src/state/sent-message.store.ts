import { Injectable } from '@nestjs/common';
import { SandboxClock } from '../common/sandbox.clock.js';

export interface SentMessage {
  authorizerAppid: string;
  componentAppid: string;
  body: unknown;
  at: string;
}

const MAX_SENT_MESSAGES = 1000;

/** The customer-service messages accounts sent (message/custom/send), newest last, bounded. */
@Injectable()
export class SentMessageStore {
  private messages: SentMessage[] = [];

  constructor(private readonly clock: SandboxClock) {}

  record(message: Omit<SentMessage, 'at'>): void {
    this.messages.push({ ...message, at: this.clock.now().toISOString() });
    if (this.messages.length > MAX_SENT_MESSAGES) this.messages.shift();
  }

  list(authorizerAppid?: string): SentMessage[] {
    return this.messages.filter(
      (m) => authorizerAppid === undefined || m.authorizerAppid === authorizerAppid,
    );
  }

  reset(): void {
    this.messages = [];
  }
}
