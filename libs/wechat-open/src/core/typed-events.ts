import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/**
 * A typed event emitter whose listeners can never hurt the emitter: a listener that throws or
 * rejects is logged, and the emitter carries on.
 */
export class TypedEvents<M extends object> {
  private readonly emitter = new EventEmitter();

  constructor(private readonly logger: Logger) {
    this.emitter.setMaxListeners(100);
  }

  on<K extends keyof M & string>(name: K, listener: (e: M[K]) => void | Promise<void>): void {
    this.emitter.on(name, (e: M[K]) => {
      try {
        Promise.resolve(listener(e)).catch((error: unknown) =>
          this.logger.error(`${name} listener failed: ${String(error)}`),
        );
      } catch (error) {
        this.logger.error(`${name} listener failed: ${String(error)}`);
      }
    });
  }

  emit<K extends keyof M & string>(name: K, event: M[K]): void {
    this.emitter.emit(name, event);
  }
}
