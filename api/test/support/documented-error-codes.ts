import { DiscoveryService } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadZod } from '../../src/common/validation/dto-schema.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { buildOpenApiDocument, type ControllerClass } from '../../src/docs/openapi.builder.js';

/** An error answer a test received: the request's method and path, and the answer's code. */
export interface ErrorAnswer {
  readonly method: string;
  readonly path: string;
  readonly code: string;
}

/**
 * The answers whose code the app's OpenAPI document does not list for the operation they went
 * to (its `x-error-codes`, or the root's codes of any request), as "METHOD /template CODE".
 * Requests to paths the document does not describe are not judged. The document is built the
 * way `/docs/json` builds it, also where the test's configuration turned the route off.
 */
export async function undocumentedErrorAnswers(
  app: NestFastifyApplication,
  config: AppConfig,
  answers: readonly ErrorAnswer[],
): Promise<string[]> {
  if (answers.length === 0) return [];
  await loadZod();
  const controllers = app
    .get(DiscoveryService)
    .getControllers()
    .map((wrapper) => wrapper.metatype)
    .filter((metatype): metatype is ControllerClass => typeof metatype === 'function');
  const document = buildOpenApiDocument(controllers, config.http.prefix, {
    requireApiKey: config.auth.requireApiKey,
  });
  const operations = Object.entries(document.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      label: `${method.toUpperCase()} ${template}`,
      method: method.toUpperCase(),
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      codes: new Set([
        ...((operation.responses as { default?: { 'x-error-codes'?: string[] } }).default?.[
          'x-error-codes'
        ] ?? []),
        ...document['x-error-codes'],
      ]),
    })),
  );
  // As the router decides: a static path (`/files/local`) before a parametric one (`/files/{id}`).
  operations.sort((a, b) => parametersIn(a.label) - parametersIn(b.label));
  const undocumented = new Set<string>();
  for (const answer of answers) {
    const path = answer.path.split('?')[0] ?? '';
    const operation = operations.find(
      (candidate) => candidate.method === answer.method && candidate.pattern.test(path),
    );
    if (operation && !operation.codes.has(answer.code)) undocumented.add(`${operation.label} ${answer.code}`);
  }
  return [...undocumented].sort();
}

function parametersIn(template: string): number {
  return template.split('{').length - 1;
}
