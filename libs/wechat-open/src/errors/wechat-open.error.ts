/**
 * Base of every error the library throws. `code` is stable and safe to show; `meta` never holds a
 * secret (no token, ticket, key or plaintext message), so the error can be logged as it is.
 */
export class WechatOpenError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly meta: Record<string, string | number | boolean | null | undefined> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
