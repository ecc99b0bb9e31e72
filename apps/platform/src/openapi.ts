import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document of the platform's HTTP API (admin API, token API, WeChat URLs). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('WeChat third-party platform')
    .setDescription(
      'Admin API for SaaS dashboards and operators, token API for services in any language ' +
        '(versioned under /v1), and the URLs WeChat calls. Errors are always ' +
        '`{ statusCode, code, message, requestId }`.',
    )
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'an API key: wop_op_… (operator), wop_tn_… (tenant), wop_sv_… (service)',
      },
      'apiKey',
    )
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the document at /docs-json and Swagger UI at /docs. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
  });
}
