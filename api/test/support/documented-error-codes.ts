import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocsService } from '../../src/docs/docs.service.js';

/** An error answer a test received: the request's method and path, and the answer's code. */
export interface ErrorAnswer {
  readonly method: string;
  readonly path: string;
  readonly code: string;
}

/**
 * The answers whose code the app's OpenAPI document does not list for the operation they went
 * to (its `x-error-codes`, or the root's codes of any request), as "METHOD /template CODE".
 * Requests to paths the document does not describe are not judged. The document is the one
 * `/docs/json` serves (`DocsService.build`), also where the test's configuration turned it off.
 */
export async function undocumentedErrorAnswers(
  app: NestFastifyApplication,
  answers: readonly ErrorAnswer[],
): Promise<string[]> {
  if (answers.length === 0) return [];
  const document = await app.get(DocsService).build();
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
