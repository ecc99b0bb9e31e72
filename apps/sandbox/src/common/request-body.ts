import type { FastifyInstance } from 'fastify';
import { SandboxApiError } from './sandbox-api.error.js';

/** What a body that is not valid JSON parses to, so WeChat endpoints can answer 47001. */
export class MalformedBody {
  constructor(readonly raw: string) {}
}

function parseJson(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return new MalformedBody(raw);
  }
}

/**
 * WeChat reads JSON whatever the Content-Type says, and answers 47001 rather than HTTP 400 to a
 * bad body; forms are parsed for the authorization page's confirm button.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, raw, done) => {
      // `curl -d '{...}'` sends JSON labelled as a form; WeChat would read it as JSON.
      if (/^\s*[[{]/.test(raw as string)) return done(null, parseJson(raw as string));
      const fields: Record<string, string | string[]> = {};
      for (const [key, value] of new URLSearchParams(raw as string)) {
        const existing = fields[key];
        if (existing === undefined) fields[key] = value;
        else fields[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
      }
      done(null, fields);
    },
  );
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_req, raw, done) => {
    done(null, parseJson(raw as string));
  });
}

/** The JSON object body of a WeChat API call, or 47001. */
export function jsonBody(body: unknown): Record<string, unknown> {
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    body instanceof MalformedBody
  ) {
    throw new SandboxApiError(47001);
  }
  return body as Record<string, unknown>;
}

/** A required string field; `missing` is the errcode WeChat uses when it is absent. */
export function stringField(body: Record<string, unknown>, name: string, missing: number): string {
  const value = body[name];
  if (value === undefined || value === null || value === '') {
    throw new SandboxApiError(missing, `${name} missing`);
  }
  if (typeof value !== 'string') throw new SandboxApiError(47001, `${name} must be a string`);
  return value;
}
