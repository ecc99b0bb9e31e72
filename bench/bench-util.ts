import pg from 'pg';

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function inPool<T>(
  items: T[],
  concurrency: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i], i);
    }),
  );
}

type AnyQuery = (this: pg.Client, ...args: unknown[]) => unknown;
const clientPrototype = pg.Client.prototype as unknown as { query: AnyQuery };

/** Counts every statement sent through node-postgres in this process (the platform's included). */
export class StatementCounter {
  count = 0;
  private readonly original: AnyQuery = clientPrototype.query;

  install(): this {
    const original = this.original;
    const count = () => this.count++;
    clientPrototype.query = function (this: pg.Client, ...args: unknown[]) {
      count();
      return original.apply(this, args);
    };
    return this;
  }

  uninstall(): void {
    clientPrototype.query = this.original;
  }
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

export function line(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(44)} ${value}\n`);
}
