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
  components?: { schemas?: Record<string, SchemaObject> };
}

interface SchemaObject {
  $ref?: string;
  example?: unknown;
  items?: SchemaObject;
  properties?: Record<string, SchemaObject>;
  allOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  anyOf?: SchemaObject[];
}

const REF = '#/components/schemas/';

/** The names of the component schemas a value refers to ($ref anywhere within it). */
function refsIn(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string' && v.startsWith(REF)) {
        into.add(v.slice(REF.length));
      } else refsIn(v, into);
    }
  }
  return into;
}

/** A property is documented when it has an example or refers to a (checked) schema. */
function hasExample(property: SchemaObject): boolean {
  if (property.example !== undefined || property.$ref) return true;
  if (property.items) return hasExample(property.items);
  const variants = property.allOf ?? property.oneOf ?? property.anyOf;
  return variants !== undefined && variants.some((v) => v.$ref !== undefined);
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

  it('gives every property of every /v1 schema an example', () => {
    const schemas = doc.components?.schemas ?? {};
    const v1 = Object.entries(doc.paths).filter(([path]) => path.startsWith('/v1/'));
    const reachable = refsIn(
      v1.map(([, operations]) => operations),
      new Set<string>(),
    );
    for (const name of reachable) refsIn(schemas[name], reachable);
    expect(reachable.size).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const name of [...reachable].sort()) {
      for (const [property, schema] of Object.entries(schemas[name]?.properties ?? {})) {
        if (!hasExample(schema)) missing.push(`${name}.${property}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
