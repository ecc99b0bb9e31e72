import { XmlFields, XmlValue } from '../xml/wechat-xml.js';

/** Fields of a push that are credentials: never stored or logged in clear text. */
const SECRET_FIELDS = new Set(
  ['ComponentVerifyTicket', 'AuthorizationCode', 'PreAuthCode', 'auth_code', 'Encrypt'].map((f) =>
    f.toLowerCase(),
  ),
);

/**
 * The fields with every credential (verify ticket, authorization code, pre_auth_code, a fast
 * registration's auth_code) replaced by `[redacted]`, at any depth: what may be stored or sent on
 * (the event log keeps pushes so; forward a push's fields to a third party so).
 */
export function redactFields(fields: XmlFields): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [
      k,
      SECRET_FIELDS.has(k.toLowerCase()) ? '[redacted]' : redactValue(v),
    ]),
  );
}

function redactValue(value: XmlValue): unknown {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(redactValue);
  return redactFields(value);
}

/** The credential fields a stored (redacted) payload had, at any depth: what a replay lacks. */
export function redactedFieldsIn(payload: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (SECRET_FIELDS.has(k.toLowerCase())) found.add(k);
        else walk(v);
      }
    }
  };
  walk(payload);
  return [...found].sort();
}
