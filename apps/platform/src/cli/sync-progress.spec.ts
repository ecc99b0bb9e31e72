import { describe, expect, it } from 'vitest';
import { SyncProgress } from './sync-progress.js';

describe('SyncProgress', () => {
  it('draws a cli-progress bar on a terminal and ends its line', () => {
    let drawn = '';
    const terminal = {
      isTTY: true,
      columns: 120,
      write: (s: string) => {
        drawn += s;
        return true;
      },
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
      on: () => terminal,
      removeListener: () => terminal,
    };
    const lines: string[] = [];
    const p = new SyncProgress('wxc1', (x) => lines.push(x), true, terminal);
    p.update({ done: 1, total: 2 });
    p.update({ done: 2, total: 2 });
    p.stop();
    expect(lines).toEqual([]);
    expect(drawn).toContain('wxc1 [');
    expect(drawn).toContain('2/2');
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
