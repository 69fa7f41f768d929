import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { AppError } from '../common/errors/app-error.js';
import { loadZod } from '../common/validation/dto-schema.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { ControllerClass, OpenApiDocument } from './openapi.builder.js';

/**
 * Builds the OpenAPI document lazily on the first request (never during a Lambda cold start: the
 * builder and zod's JSON Schema converter are imported only then, out of the Lambda's init bundle) and
 * serves Swagger UI from the `swagger-ui-dist` package, so the UI works offline. Inline scripts are
 * avoided to keep the strict Content-Security-Policy that helmet sets.
 */
@Injectable()
export class DocsService {
  private cached: OpenApiDocument | undefined;

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async document(): Promise<OpenApiDocument> {
    this.assertEnabled();
    return this.build();
  }

  /**
   * The document `/docs/json` serves, also where DOCS_ENABLED=false keeps it from being served (the
   * tests check every error answer against it).
   */
  async build(): Promise<OpenApiDocument> {
    // The builder reads every DTO's schema synchronously, so zod must be loaded first.
    const [{ buildOpenApiDocument }] = await Promise.all([import('./openapi.builder.js'), loadZod()]);
    this.cached ??= buildOpenApiDocument(
      this.discovery
        .getControllers()
        .map((wrapper) => wrapper.metatype)
        .filter((metatype): metatype is ControllerClass => typeof metatype === 'function'),
      this.config.http.prefix,
      { requireApiKey: this.config.auth.requireApiKey },
    );
    return this.cached;
  }

  uiPage(): string {
    this.assertEnabled();
    // A page whose scripts all 404 is no answer: where the assets are not shipped (the Lambda
    // bundles), say so and point at the document (found in review, 2026-12-07).
    swaggerUiDirectory();
    const base = `${this.config.http.prefix}/docs`;
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CloudNest API</title><link rel="stylesheet" href="${base}/assets/swagger-ui.css"></head>
<body><div id="swagger-ui" data-url="${base}/json"></div>
<script src="${base}/assets/swagger-ui-bundle.js"></script><script src="${base}/assets/init.js"></script></body></html>`;
  }

  uiInitScript(): string {
    this.assertEnabled();
    return "const el = document.getElementById('swagger-ui'); SwaggerUIBundle({ url: el.dataset.url, domNode: el });";
  }

  async uiAsset(name: 'swagger-ui.css' | 'swagger-ui-bundle.js'): Promise<Buffer> {
    this.assertEnabled();
    const directory = swaggerUiDirectory();
    try {
      return await readFile(join(directory, name));
    } catch {
      throw notInThisBuild();
    }
  }

  private assertEnabled(): void {
    if (!this.config.http.docsEnabled)
      throw new AppError('NOT_FOUND', 'API documentation is disabled (DOCS_ENABLED=false).');
  }
}

/** Where `swagger-ui-dist` is installed; NOT_FOUND where this build does not ship it (the Lambda bundles). */
function swaggerUiDirectory(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  } catch {
    throw notInThisBuild();
  }
}

function notInThisBuild(): AppError {
  return new AppError(
    'NOT_FOUND',
    'Swagger UI is not part of this build; the OpenAPI document is at /docs/json.',
  );
}
