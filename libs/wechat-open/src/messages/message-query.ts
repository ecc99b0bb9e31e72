import { EnvelopeQuery } from '../crypto/message-crypto.js';
import { WechatPushError } from '../errors/crypto.errors.js';
import { readPushQuery } from '../events/push-query.js';

/** The message URL's own parameters beyond the event URL's, each with the only shape it may take. */
const EXTRA_FORMATS: Record<string, RegExp> = {
  // WeChat's openids are 28 characters of base64url; room for other kinds of user id.
  openid: /^[A-Za-z0-9_-]{1,128}$/,
  encrypt_type: /^aes$/,
};

/** The plain-mode check's parameters (GET with echostr). */
const ECHO_FORMATS: Record<string, RegExp> = {
  signature: /^[0-9A-Fa-f]{40}$/,
  timestamp: /^[0-9]{1,12}$/,
  nonce: /^[A-Za-z0-9_-]{1,64}$/,
  echostr: /^[A-Za-z0-9_-]{1,128}$/,
};

export interface EchoQuery {
  signature: string;
  timestamp: string;
  nonce: string;
  echostr: string;
}

/**
 * A message push's query: the event URL's rules (timestamp, nonce, msg_signature, signature,
 * each once and in its shape) plus `openid` and `encrypt_type` when present. Only safe mode is
 * accepted (`encrypt_type=aes`, or absent with an encrypted body).
 */
export function readMessageQuery(raw: unknown): EnvelopeQuery {
  const query = readPushQuery(raw);
  checkMessageExtras(raw);
  return query;
}

/**
 * Only the message URL's own parameters (`openid`, `encrypt_type`): for a caller whose push
 * opener reads the signed ones (readPushQuery) itself.
 */
export function checkMessageExtras(raw: unknown): void {
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  for (const name in EXTRA_FORMATS) readOnce(record, name, EXTRA_FORMATS[name]);
}

/** The plain-mode check's query: every parameter required, once, in its shape. */
export function readEchoQuery(raw: unknown): EchoQuery {
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const read = Object.fromEntries(
    Object.entries(ECHO_FORMATS).map(([name, format]) => [name, readOnce(record, name, format)]),
  );
  const missing = Object.keys(ECHO_FORMATS).filter((k) => read[k] === undefined);
  if (missing.length > 0) {
    throw new WechatPushError('PUSH_BAD_QUERY', `${missing.join(', ')} required`, {
      missing: missing.join(','),
    });
  }
  return read as unknown as EchoQuery;
}

function readOnce(
  query: Record<string, unknown>,
  name: string,
  format: RegExp,
): string | undefined {
  if (!Object.hasOwn(query, name)) return undefined;
  const value = query[name];
  if (typeof value !== 'string') {
    throw new WechatPushError('PUSH_BAD_QUERY', `query parameter ${name} must appear once`, {
      parameter: name,
    });
  }
  if (!format.test(value)) {
    throw new WechatPushError('PUSH_BAD_QUERY', `query parameter ${name} is malformed`, {
      parameter: name,
    });
  }
  return value;
}
