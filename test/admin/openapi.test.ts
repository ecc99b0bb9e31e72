import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, TestStack } from '../support/stack.js';

interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
  >;
}

/** Every route of every controller the running app registered: method and path. */
function routesOf(stack: TestStack): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  for (const module of stack.platform.app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
      const proto = metatype.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (method === undefined || sub === undefined) continue;
        const path = `/${[base, sub]
          .map((p) => p.replace(/^\/|\/$/g, ''))
          .filter(Boolean)
          .join('/')}`;
        routes.push({ method: RequestMethod[method].toLowerCase(), path });
      }
    }
  }
  return routes;
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
    const v1 = routesOf(stack).filter((r) => r.path.startsWith('/v1/'));
    expect(v1.length).toBeGreaterThan(10);
    for (const { method, path } of v1) {
      const openApiPath = path.replace(/:(\w+)/g, '{$1}');
      const operation = doc.paths[openApiPath]?.[method];
      expect(operation, `${method} ${openApiPath}`).toBeDefined();
      expect(operation.security, `${method} ${openApiPath}`).toEqual([{ apiKey: [] }]);
      expect(Object.keys(operation.responses), `${method} ${openApiPath}`).toContain('401');
    }
  });
});
