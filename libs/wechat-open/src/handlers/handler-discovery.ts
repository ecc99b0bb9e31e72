import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { HandlerMetadata } from './handler.decorators.js';

/** A host method found by its decorator, bound to its instance. */
export interface DiscoveredHandler<F> {
  /** `ClassName.method`, for logs. */
  name: string;
  filter: F;
  critical: boolean;
  invoke(ctx: unknown): unknown;
}

/**
 * Finds the host's decorated handler methods among every singleton provider and controller of
 * the application (request-scoped and not-yet-instantiated ones are skipped). Call it once the
 * application is initialised (onApplicationBootstrap), as @nestjs/schedule does for @Cron.
 */
@Injectable()
export class HandlerDiscovery {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  find<F>(key: symbol): DiscoveredHandler<F>[] {
    const found: DiscoveredHandler<F>[] = [];
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    for (const wrapper of wrappers) {
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic() || !instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = (instance as Record<string, unknown>)[method];
        if (typeof fn !== 'function') continue;
        const entries = this.reflector.get<HandlerMetadata<F>[] | undefined>(key, fn);
        for (const entry of entries ?? []) {
          found.push({
            name: `${instance.constructor.name}.${method}`,
            filter: entry.filter,
            critical: entry.options.critical === true,
            invoke: (ctx) => (fn as (c: unknown) => unknown).call(instance, ctx),
          });
        }
      }
    }
    return found;
  }
}

/** Whether a filter criterion (undefined, `*`, one value or a list) admits a value. */
export function criterionMatches(
  criterion: string | readonly string[] | undefined,
  value: string | null,
  caseInsensitive = false,
): boolean {
  if (criterion === undefined || criterion === '*') return true;
  if (value === null) return false;
  const norm = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  const wanted = typeof criterion === 'string' ? [criterion] : criterion;
  return wanted.some((w) => w === '*' || norm(w) === norm(value));
}
