import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import type { TestPlatform } from './stack.js';

export interface Route {
  /** Lower case: `get`, `post`, … (as in an OpenAPI document). */
  method: string;
  /** Nest's form: `/v1/tenants/:tenantId`. */
  path: string;
}

/** Every route of every controller the running app registered: method and path. */
export function routesOf(platform: TestPlatform): Route[] {
  const routes: Route[] = [];
  for (const module of platform.app.get(ModulesContainer).values()) {
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

/** The OpenAPI form of a route's path: `/v1/tenants/{tenantId}`. */
export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');
