import { ApiKeysService } from '../../apps/platform/src/access/api-keys.service.js';
import { TenantsService } from '../../apps/platform/src/access/tenants.service.js';
import { newAccount } from './accounts.js';
import { authorizeThroughPages } from './browser.js';
import type { TestPlatform, TestStack } from './stack.js';

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** A client of the platform's /v1 API with one key (or none). */
export function apiClient(platform: { url: string }, key?: string) {
  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer<T>> => {
    const res = await fetch(`${platform.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  return {
    get: <T = Record<string, unknown>>(path: string, headers?: Record<string, string>) =>
      call<T>('GET', path, undefined, headers),
    post: <T = Record<string, unknown>>(path: string, body?: unknown) =>
      call<T>('POST', path, body ?? {}),
    patch: <T = Record<string, unknown>>(path: string, body: unknown) =>
      call<T>('PATCH', path, body),
    delete: <T = Record<string, unknown>>(path: string) => call<T>('DELETE', path),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** An operator key made by the platform's own key service (the CLI test makes one the CLI way). */
export async function operatorKey(platform: TestPlatform): Promise<string> {
  const { key } = await platform
    .get(ApiKeysService)
    .create({ kind: 'operator', name: 'test operator', createdBy: 'test' });
  return key;
}

/** A tenant with a tenant key, through the platform's services. */
export async function tenantWithKey(
  platform: TestPlatform,
  id: string,
  settings: { returnUrlPrefixes?: string[]; jssdkDomains?: string[] } = {},
): Promise<string> {
  await platform.get(TenantsService).create({ id, name: `tenant ${id}`, ...settings });
  const { key } = await platform
    .get(ApiKeysService)
    .create({ kind: 'tenant', name: `${id} dashboard`, tenantId: id, createdBy: 'test' });
  return key;
}

/**
 * A new official account authorized for a tenant as its staff would do it: a session made with
 * the tenant's key, then WeChat's pages. Returns the account's appid.
 */
export async function authorizeForTenant(
  stack: TestStack,
  tenant: ApiClient,
  returnUrl: string,
): Promise<string> {
  const account = newAccount();
  await stack.sandbox.addAccount(account);
  const session = await tenant.post<{ entryUrl: string }>('/v1/authorization-sessions', {
    returnUrl,
  });
  await authorizeThroughPages(session.body.entryUrl, account.appid);
  return account.appid;
}
