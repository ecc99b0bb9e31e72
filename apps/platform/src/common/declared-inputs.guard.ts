import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';

/** Which inputs a handler declares with `@Query(...)` / `@Body(...)`. */
interface DeclaredInputs {
  query: boolean;
  body: boolean;
}

const declared = new WeakMap<object, DeclaredInputs>();

/** Reads the handler's parameter decorators once (the same metadata Nest routes with). */
function declaredInputs(context: ExecutionContext): DeclaredInputs {
  const handler = context.getHandler();
  let inputs = declared.get(handler);
  if (!inputs) {
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ??
      {}) as Record<string, unknown>;
    // Keys are `<RouteParamtypes>:<index>` (custom decorators have a different, textual prefix).
    const types = new Set(Object.keys(args).map((key) => key.split(':')[0]));
    inputs = {
      query: types.has(String(RouteParamtypes.QUERY)),
      body: types.has(String(RouteParamtypes.BODY)),
    };
    declared.set(handler, inputs);
  }
  return inputs;
}

const isEmptyBody = (body: unknown): boolean =>
  body === undefined ||
  body === null ||
  body === '' ||
  (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0);

/**
 * Refuses a query string or a body on a route whose handler declares none. A route with a DTO
 * refuses fields its DTO does not name (the ValidationPipe's forbidNonWhitelisted); a route with
 * no `@Query()` / `@Body()` has no fields at all, so every field it is sent is unknown and is
 * refused the same way: 400 VALIDATION_FAILED, `property <name> should not exist`. Runs after
 * authentication (a caller without a key learns nothing about a route's inputs). An empty JSON
 * object counts as no body (clients that always send `{}`).
 */
@Injectable()
export class DeclaredInputsGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const inputs = declaredInputs(context);
    if (inputs.query && inputs.body) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const problems: string[] = [];
    if (!inputs.query) {
      const query = (request.query ?? {}) as Record<string, unknown>;
      problems.push(...Object.keys(query).map((name) => `property ${name} should not exist`));
    }
    if (!inputs.body && !isEmptyBody(request.body)) {
      const body = request.body;
      problems.push(
        ...(typeof body === 'object' && body !== null && !Array.isArray(body)
          ? Object.keys(body).map((name) => `property ${name} should not exist`)
          : ['this endpoint takes no request body']),
      );
    }
    if (problems.length > 0) throw new ApiError(400, 'VALIDATION_FAILED', problems.join('; '));
    return true;
  }
}
