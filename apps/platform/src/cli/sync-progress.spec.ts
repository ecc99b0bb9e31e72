import { describe, expect, it } from 'vitest';
import { SyncProgress } from './sync-progress.js';

describe('SyncProgress', () => {
  it('redraws one bar in place on a terminal and ends its line', () => {
    let s = '';
    const p = new SyncProgress('wxc1', (x) => (s += x), true);
    p.update({ done: 1, total: 2 });
    p.update({ done: 2, total: 2 });
    p.stop();
    expect(s).toBe(
      `\rwxc1 [${'#'.repeat(15)}${'-'.repeat(15)}] 1/2\rwxc1 [${'#'.repeat(30)}] 2/2\n`,
    );
  });

  it('prints a plain line per tenth of the list elsewhere, no carriage return', () => {
    const lines: string[] = [];
    const p = new SyncProgress('wxc1', (x) => lines.push(x), false);
    for (let done = 1; done <= 1000; done++) p.update({ done, total: 1000 });
    p.stop();
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('wxc1: 1/1000 accounts\n');
    expect(lines.at(-1)).toBe('wxc1: 1000/1000 accounts\n');
    expect(lines.join('')).not.toContain('\r');
  });
});
