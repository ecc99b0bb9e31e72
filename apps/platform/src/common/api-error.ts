/**
 * An error of the platform's own HTTP API with a stable code (the library's errors are
 * WechatOpenError). The exception filter turns both into `{ statusCode, code, message, requestId }`.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What a caller may not see is answered exactly like what does not exist. */
export const notFound = (what: string): ApiError =>
  new ApiError(404, 'NOT_FOUND', `${what} not found`);
