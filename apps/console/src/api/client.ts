import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Me = Schemas['MeDto'];

const STORAGE_KEY = 'wop.console.apiKey';

/** The API key of this tab: in sessionStorage only (gone with the tab, never in a URL). */
export const apiKey = {
  get: (): string | null => sessionStorage.getItem(STORAGE_KEY),
  set: (key: string) => sessionStorage.setItem(STORAGE_KEY, key),
  clear: () => sessionStorage.removeItem(STORAGE_KEY),
};

/** The admin API, typed from the platform's OpenAPI document (./schema.d.ts is generated). */
export const api = createClient<paths>({
  baseUrl: window.location.origin,
  // status=authorized,needs_reauth: the API's comma lists.
  querySerializer: { array: { style: 'form', explode: false } },
});

/** Fired when the API refuses the stored key (revoked, expired): the console signs out. */
export const KEY_REFUSED = 'wop:key-refused';

api.use({
  onRequest({ request }) {
    const key = apiKey.get();
    if (key && !request.headers.has('Authorization')) {
      request.headers.set('Authorization', `Bearer ${key}`);
    }
    return request;
  },
  onResponse({ request, response }) {
    const key = apiKey.get();
    if (
      response.status === 401 &&
      key &&
      request.headers.get('Authorization') === `Bearer ${key}`
    ) {
      window.dispatchEvent(new Event(KEY_REFUSED));
    }
    return response;
  },
});

/** An error answer of the API ({ statusCode, code, message, requestId }), ready to display. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

function problemOf(status: number, body: unknown): ApiProblem {
  if (body && typeof body === 'object' && 'code' in body && 'message' in body) {
    const b = body as Partial<Schemas['ErrorBody']>;
    return new ApiProblem(
      status,
      String(b.code),
      String(b.message),
      b.requestId ? String(b.requestId) : null,
    );
  }
  return new ApiProblem(status, 'HTTP_' + status, `The platform answered HTTP ${status}`, null);
}

/** The data of an openapi-fetch answer, or an ApiProblem thrown with the API's error body. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiProblem(0, 'NETWORK', 'The platform did not answer (network error)', null);
  }
  if (!result.response.ok) throw problemOf(result.response.status, result.error);
  return result.data as T;
}

/** A one-line text for any error caught around an API call. */
export function describeError(error: unknown): string {
  if (error instanceof ApiProblem) {
    if (error.code.startsWith('HTTP_') || error.code === 'NETWORK') return error.message;
    return error.requestId
      ? `${error.message} (${error.code}, request ${error.requestId})`
      : `${error.message} (${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}
