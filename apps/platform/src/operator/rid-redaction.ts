/**
 * Names of fields that hold a credential in WeChat's requests and answers: tokens, tickets,
 * secrets, codes (`authorization_code`, `pre_auth_code`, not `errcode`) and keys.
 */
const SECRET_NAME = /(token|ticket|secret|password|(^|_)code$|(^|_)key$)/i;
const WITHHELD = '***';

/**
 * getRidInfo echoes the failed call as WeChat saw it, token and secrets included: an operator
 * sees its shape, never a credential. Query strings and JSON bodies keep every field but the
 * values of credential fields; anything else that is not empty is withheld whole.
 */
export function redactQuery(query: string): string {
  const raw = query.startsWith('?') ? query.slice(1) : query;
  if (raw === '') return '';
  return raw
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name: string;
      try {
        name = decodeURIComponent(pair.slice(0, eq));
      } catch {
        return `${pair.slice(0, eq)}=${WITHHELD}`;
      }
      return SECRET_NAME.test(name) ? `${pair.slice(0, eq)}=${WITHHELD}` : pair;
    })
    .join('&');
}

export function redactBody(body: string): string {
  if (body.trim() === '') return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `(${body.length} characters, not JSON: withheld)`;
  }
  return JSON.stringify(redactValue(parsed));
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      SECRET_NAME.test(k) && v !== null && typeof v !== 'object' ? WITHHELD : redactValue(v),
    ]),
  );
}
