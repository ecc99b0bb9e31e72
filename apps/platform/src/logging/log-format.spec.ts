import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { httpLoggingParams } from './http-logging.js';
import { logDestination, prettyLine, wantsPretty } from './log-format.js';

describe('log format', () => {
  it('is pretty on a terminal in auto mode, JSON into a given stream unless asked', () => {
    const stream = { write: () => undefined };
    expect(wantsPretty('auto', undefined, true)).toBe(true);
    expect(wantsPretty('auto', undefined, false)).toBe(false);
    expect(wantsPretty(undefined, stream, true)).toBe(false);
    expect(wantsPretty('pretty', stream, false)).toBe(true);
    expect(wantsPretty('json', undefined, true)).toBe(false);
  });

  it('writes one readable line per event, with the request serializers still applied', async () => {
    let out = '';
    const destination = logDestination('pretty', { write: (s: string) => void (out += s) })!;
    const [options] = httpLoggingParams('debug').pinoHttp as [pino.LoggerOptions];
    const logger = pino({ level: 'debug', serializers: options.serializers }, destination);
    logger.info(
      {
        context: 'Http',
        req: { id: 'r-1', method: 'POST', url: '/wechat/x/events?msg_signature=SECRETSIG' },
        res: { statusCode: 200 },
        responseTime: 3,
      },
      'request completed',
    );
    logger.info({ context: 'RouterExplorer' }, 'Mapped {/v1/me, GET} route');
    expect(out).toContain('[Http] request completed POST /wechat/x/events 200 3 ms (request r-1)');
    expect(out).not.toContain('SECRETSIG');
    expect(out).not.toContain('{');
    expect(out.trim().split('\n')).toHaveLength(1);
  });

  it('names the error of an event, its stack at error level only', () => {
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at here' };
    expect(prettyLine({ level: 40, context: 'X', msg: 'failed', err })).toBe(
      '[X] failed (Error: boom)',
    );
    expect(prettyLine({ level: 50, msg: 'failed', err })).toBe('failed (Error: boom)\n    at here');
  });
});
