import { describe, expect, it } from 'vitest';
import { formatRotationSummary, progressWriter } from './rotate-data-key.command.js';

describe('rotate-data-key output', () => {
  const run = (tty: boolean): string => {
    const written: string[] = [];
    const progress = progressWriter({
      out: () => undefined,
      err: (s) => written.push(s),
      errIsTty: tty,
    });
    for (let done = 0; done <= 100; done += 5)
      progress({ table: 'authorizer_token', done, total: 100 });
    progress({ table: 'jsapi_ticket', done: 0, total: 0 });
    return written.join('');
  };

  it('redraws a bar in place on a terminal and ends its line when the table is done', () => {
    const text = run(true);
    expect(text.startsWith('\rauthorizer_token')).toBe(true);
    expect(text).toContain('[###############---------------] 50/100');
    expect(text).toContain('[##############################] 100/100\n');
    expect(text.endsWith('] 0/0\n')).toBe(true);
  });

  it('writes a line per tenth, without carriage returns, elsewhere', () => {
    const lines = run(false).trimEnd().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe('authorizer_token: 0/100 rows');
    expect(lines[10]).toBe('authorizer_token: 100/100 rows');
    expect(lines[11]).toBe('jsapi_ticket: 0/0 rows');
    expect(lines.join('')).not.toContain('\r');
  });

  it('summarises each table in aligned columns', () => {
    const text = formatRotationSummary({
      kid: 'k2',
      complete: true,
      tables: [
        { table: 'authorizer_token', stale: 1200, resealed: 1199, skipped: 1, unreadable: 0 },
        { table: 'wechat_job', stale: 3, resealed: 3, skipped: 0, unreadable: 0 },
      ],
    });
    expect(text).toBe(
      [
        'table             stale  resealed  skipped  unreadable',
        'authorizer_token   1200      1199        1           0',
        'wechat_job            3         3        0           0',
        '',
      ].join('\n'),
    );
  });
});
