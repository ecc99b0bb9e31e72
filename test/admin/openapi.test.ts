import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath, routesOf } from '../support/openapi-routes.js';
import { startStack, TestStack } from '../support/stack.js';

interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
  >;
}

describe('the OpenAPI document', () => {
  let stack: TestStack;
  let doc: OpenApi;

  beforeAll(async () => {
    stack = await startStack({ initialTicket: false, platform: { schedulers: false } });
    const res = await fetch(`${stack.platform.url}/docs-json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as OpenApi;
  });
  afterAll(() => stack.close());

  it('is a valid OpenAPI 3 document', async () => {
    const result = await new Validator().validate(
      doc as unknown as Parameters<Validator['validate']>[0],
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\./);
  });

  it('describes every /v1 route, each behind an API key with its 401 documented', () => {
    const v1 = routesOf(stack.platform).filter((r) => r.path.startsWith('/v1/'));
    expect(v1.length).toBeGreaterThan(10);
    for (const { method, path } of v1) {
      const documented = openApiPath(path);
      const operation = doc.paths[documented]?.[method];
      expect(operation, `${method} ${documented}`).toBeDefined();
      expect(operation.security, `${method} ${documented}`).toEqual([{ apiKey: [] }]);
      expect(Object.keys(operation.responses), `${method} ${documented}`).toContain('401');
    }
  });
});
