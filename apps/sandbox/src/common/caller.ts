import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TokenStore } from '../state/token.store.js';
import { MalformedBody } from './request-body.js';

/** Whose call a WeChat API request is: the appids its quota and its rids belong to. */
export interface Caller {
  componentAppid?: string;
  /** Set for calls made with an authorizer_access_token (the account's quota). */
  authorizerAppid?: string;
}

/**
 * Attributes a call: to its token's owner (valid or not), else to the body's component_appid
 * (token-less calls: api_component_token, api_start_push_ticket, clear_quota/v2).
 */
@Injectable()
export class CallerResolver {
  constructor(private readonly tokens: TokenStore) {}

  of(request: FastifyRequest): Caller {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const token = query.access_token ?? query.component_access_token;
    if (typeof token === 'string' && token !== '') {
      const owner = this.tokens.ownerOf(token);
      if (owner) return owner;
    }
    const body = request.body;
    if (typeof body === 'object' && body !== null && !(body instanceof MalformedBody)) {
      const appid = (body as Record<string, unknown>).component_appid;
      if (typeof appid === 'string' && appid !== '') return { componentAppid: appid };
    }
    return {};
  }
}

/** The API path of a request, without its query: the cgi_path quotas are counted under. */
export function cgiPathOf(request: FastifyRequest): string {
  const url = request.url;
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The query string of a request, as getRidInfo's request_url shows it. */
export function queryStringOf(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q < 0 ? '' : request.url.slice(q + 1);
}

/** The body as it was sent, as well as the sandbox can tell after parsing. */
export function bodyTextOf(request: FastifyRequest): string {
  const body = request.body;
  if (body === undefined || body === null) return '';
  if (body instanceof MalformedBody) return body.raw;
  return typeof body === 'string' ? body : JSON.stringify(body);
}
