import { WechatOpenError } from '../errors/wechat-open.error.js';

export class AuthorizerNotFoundError extends WechatOpenError {
  constructor(authorizerAppid: string, componentAppid?: string) {
    super('AUTHORIZER_NOT_FOUND', 'no such authorized account', {
      authorizerAppid,
      componentAppid,
    });
  }
}

/** The account revoked the authorization (or WeChat answered 61003). */
export class AuthorizerRevokedError extends WechatOpenError {
  constructor(authorizerAppid: string) {
    super('AUTHORIZER_REVOKED', 'the account has revoked the authorization', { authorizerAppid });
  }
}

/**
 * The platform detached the account (AuthorizerService.detach): it has no tokens until its owner
 * authorizes again.
 */
export class AuthorizerDetachedError extends WechatOpenError {
  constructor(authorizerAppid: string) {
    super('AUTHORIZER_DETACHED', 'the platform has detached the account', { authorizerAppid });
  }
}

/** The refresh token is lost (61023, not recoverable): the owner must authorize again. */
export class AuthorizerNeedsReauthError extends WechatOpenError {
  constructor(authorizerAppid: string) {
    super('AUTHORIZER_NEEDS_REAUTH', 'the account must be authorized again', { authorizerAppid });
  }
}

/** The same account is authorized for several of our components: name the component. */
export class AuthorizerAmbiguousError extends WechatOpenError {
  constructor(authorizerAppid: string) {
    super(
      'AUTHORIZER_AMBIGUOUS',
      'the account is authorized for several components; pass componentAppid',
      {
        authorizerAppid,
      },
    );
  }
}

/**
 * No valid token could be had, for a reason other than WeChat's quota (WechatQuotaExhaustedError)
 * or WeChat being unreachable (WechatUnavailableError): another instance is refreshing it and did
 * not finish in time, or the refresh failed in a way `reason` describes (the cause is attached).
 */
export class AuthorizerTokenUnavailableError extends WechatOpenError {
  constructor(authorizerAppid: string, reason: string, options?: { cause?: unknown }) {
    super(
      'AUTHORIZER_TOKEN_UNAVAILABLE',
      `no valid token: ${reason}`,
      { authorizerAppid },
      options,
    );
  }
}

/**
 * Another attempt (the push's or the landing's) holds the code's claim and did not finish in
 * time. Not a refusal: retried later, the redemption finishes or takes over the expired claim.
 */
export class AuthorizationCodeBusyError extends WechatOpenError {
  constructor() {
    super('AUTHORIZATION_CODE_BUSY', 'another redemption of this code is still running', {});
  }
}

/** An authorization code could not be redeemed (61009 invalid or used, 61010 expired). */
export class AuthorizationCodeError extends WechatOpenError {
  constructor(errcode: number | null, reason: string) {
    super('AUTHORIZATION_CODE_INVALID', reason, { errcode });
  }
}

/** A search cursor that is malformed, or was made for another sort or order. */
export class InvalidCursorError extends WechatOpenError {
  constructor(reason: string) {
    super('INVALID_CURSOR', `invalid cursor: ${reason}`, {});
  }
}

/** A read of the registry asked for something out of range (a limit, a sort, a status, ...). */
export class InvalidQueryError extends WechatOpenError {
  constructor(field: string, reason: string) {
    super('INVALID_QUERY', `${field}: ${reason}`, { field });
  }
}
