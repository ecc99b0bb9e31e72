import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError } from './api-error.js';

/**
 * Request DTOs (class-validator): unknown fields refused, values converted to the DTO's types,
 * every failure a 400 VALIDATION_FAILED naming the fields. Parameters that are not DTO classes
 * (the WeChat routes' raw bodies and queries) pass through untouched.
 */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) =>
      new ApiError(400, 'VALIDATION_FAILED', flatten(errors).join('; ') || 'invalid request'),
  });
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? `${parent ? `${parent}.` : ''}${m}` : `${path}: ${m}`,
    );
    return [...own, ...flatten(e.children ?? [], path)];
  });
}
