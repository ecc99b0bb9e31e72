/**
 * Injection tokens of the library's internals. Registered under private symbols rather than their
 * classes, so that not even `app.get(SecretBox, { strict: false })` reaches them from a host: the
 * package does not export these symbols.
 */
export const SECRET_BOX = Symbol('WECHAT_OPEN_SECRET_BOX');
export const EVENT_BUS = Symbol('WECHAT_OPEN_EVENT_BUS');
export const JOB_QUEUE = Symbol('WECHAT_OPEN_JOB_QUEUE');
export const AUTHORIZER_LOCATOR = Symbol('WECHAT_OPEN_AUTHORIZER_LOCATOR');
/** The authorizer records with their NOTIFY-kept cache (the message path reads through it). */
export const AUTHORIZER_RECORDS = Symbol('WECHAT_OPEN_AUTHORIZER_RECORDS');
