import { XmlFields, XmlValue } from '../xml/wechat-xml.js';

/** Fields of a push that are credentials: never stored or logged in clear text. */
const SECRET_FIELDS = new Set(
  ['ComponentVerifyTicket', 'AuthorizationCode', 'PreAuthCode', 'auth_code', 'Encrypt'].map((f) =>
    f.toLowerCase(),
  ),
);

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
