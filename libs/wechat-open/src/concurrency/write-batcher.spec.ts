import { describe, expect, it } from 'vitest';
import { WriteBatcher } from './write-batcher.js';

describe('WriteBatcher', () => {
  it('writes items submitted together in one flush and answers each its own result', async () => {
    const flushes: number[][] = [];
    const batcher = new WriteBatcher<number, string>(async (items) => {
      flushes.push(items);
      return items.map((i) => `r${i}`);
    }, 3);
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => batcher.submit(i)));
    expect(results).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(flushes).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('flushes a lone item after the delay', async () => {
    const batcher = new WriteBatcher<number, number>(async (items) => items, 50, 1);
    await expect(batcher.submit(7)).resolves.toBe(7);
  });

  it('writes a patient item with the group of a pressed one that joins it', async () => {
    const flushes: number[][] = [];
    const batcher = new WriteBatcher<number, number>(
      async (items) => {
        flushes.push(items);
        return items;
      },
      50,
      1,
    );
    const patient = batcher.submit(1, 60_000);
    const pressed = batcher.submit(2);
    await expect(Promise.all([patient, pressed])).resolves.toEqual([1, 2]);
    expect(flushes).toEqual([[1, 2]]);
  });

  it('writes what waits at once when told the work is over', async () => {
    const batcher = new WriteBatcher<number, number>(async (items) => items);
    const waiting = batcher.submit(9, 60_000);
    batcher.flushNow();
    await expect(waiting).resolves.toBe(9);
  });

  it('fails every item of a failed flush, and keeps working after', async () => {
    let fail = true;
    const batcher = new WriteBatcher<number, number>(async (items) => {
      if (fail) throw new Error('db down');
      return items;
    });
    await expect(Promise.all([batcher.submit(1), batcher.submit(2)])).rejects.toThrow('db down');
    fail = false;
    await expect(batcher.submit(3)).resolves.toBe(3);
  });
});
