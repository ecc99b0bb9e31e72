/** Node and pg error codes that mean the database cannot be reached or went away. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown (terminated)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
]);
const CONNECTION_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|connection (is )?closed|cannot use a pool after calling end|client has encountered a connection error|not queryable/i;

/**
 * Whether `error` (from TypeORM or pg, possibly wrapped) means the database is unavailable rather
 * than that a statement was wrong: the first is answered 503 (try again), the second is a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) {
      return true;
    }
    if (CONNECTION_MESSAGES.test(current.message)) return true;
    const next =
      (current as { driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
    current = next;
  }
  return false;
}
