import pino, { DestinationStream, Logger as Pino } from 'pino';
import { prettyFactory } from 'pino-pretty';

/** LOG_FORMAT: `auto` is pretty on a terminal and JSON otherwise (a file, a collector). */
export type LogFormat = 'auto' | 'pretty' | 'json';

/** Whether the logs are written for a person: on a terminal, or when asked. */
export function wantsPretty(
  format: LogFormat | undefined,
  stream: DestinationStream | undefined,
  stdoutIsTty = process.stdout.isTTY === true,
): boolean {
  if (format === 'pretty') return true;
  if (format === 'json') return false;
  // A stream given by the caller (tests, a host) is not a terminal: JSON unless asked.
  return stream === undefined && stdoutIsTty;
}

/**
 * Where the logs go, in the format asked: the given stream (standard output when none) as
 * pino's JSON lines, or through pino-pretty as one readable line per event. The serializers of
 * the logger run before either, so nothing hidden from the JSON shows in the pretty lines.
 */
export function logDestination(
  format: LogFormat | undefined,
  stream?: DestinationStream,
): DestinationStream | undefined {
  if (!wantsPretty(format, stream)) return stream;
  const prettify = prettyFactory({
    colorize: stream === undefined && process.stdout.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    // Only the fields prettyLine names are shown: no JSON objects on the line.
    hideObject: true,
    messageFormat: (log) => prettyLine(log),
  });
  const target = stream ?? process.stdout;
  // Formatted in the writing call, in order with everything else written to the terminal.
  return {
    write: (line: string) => {
      const log = JSON.parse(line) as { level?: number; context?: unknown };
      // Nest's list of modules and routes (a hundred lines) is for the JSON logs, not a person.
      if ((log.level ?? 0) <= 30 && NEST_BOOT_CONTEXTS.has(String(log.context))) return;
      const text = prettify(log);
      target.write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}

/** Where Nest logs each module initialised and each route mapped at start-up. */
const NEST_BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

interface LogRecord {
  level?: unknown;
  msg?: unknown;
  context?: unknown;
  req?: { id?: unknown; method?: unknown; path?: unknown };
  res?: { statusCode?: unknown };
  responseTime?: unknown;
  err?: { type?: unknown; message?: unknown; stack?: unknown };
}

/** `[Context] message`, then the request and the error when the event has them. */
export function prettyLine(record: Record<string, unknown>): string {
  const log = record as LogRecord;
  let line = typeof log.context === 'string' ? `[${log.context}] ` : '';
  line += typeof log.msg === 'string' ? log.msg : '';
  const req = log.req;
  const status = log.res?.statusCode;
  if (req && typeof req.method === 'string' && typeof status === 'number') {
    line += ` ${req.method} ${typeof req.path === 'string' ? req.path : ''} ${status}`;
    if (typeof log.responseTime === 'number') line += ` ${log.responseTime} ms`;
  }
  if (req && typeof req.id === 'string') line += ` (request ${req.id})`;
  const err = log.err;
  if (err && typeof err.message === 'string') {
    line += ` (${typeof err.type === 'string' ? err.type : 'Error'}: ${err.message})`;
    // A stack helps at error level only; it is the one event that spans lines.
    if (typeof err.stack === 'string' && typeof log.level === 'number' && log.level >= 50) {
      line += `\n${err.stack.split('\n').slice(1).join('\n')}`;
    }
  }
  return line;
}

/**
 * A logger for what happens before the application (and its logger) exists: the database,
 * the migrations, the sandbox. Same level, format and destination as the application's logs.
 */
export function earlyLogger(
  level: string,
  format: LogFormat | undefined,
  stream?: DestinationStream,
): Pino {
  const destination = logDestination(format, stream);
  return destination ? pino({ level }, destination) : pino({ level });
}
