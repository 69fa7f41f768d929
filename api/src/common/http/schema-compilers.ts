import type { FastifyServerOptions } from 'fastify';

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;

function refuseFastifySchemas(): never {
  throw new Error(
    'A route declares a Fastify JSON schema; CloudNest validates requests with zod DTOs (ValidBody, ValidQuery, ValidParams) instead.',
  );
}

/**
 * Fastify's schema compilers, replaced. CloudNest validates requests with zod (the DTO pipes) and
 * serialises responses with JSON.stringify, so ajv and fast-json-stringify are never used; yet
 * Fastify loads both (about 250 KiB of JavaScript, ~15 ms of a Lambda cold start) whenever an
 * instance is created without its own compilers. These factories stand in for them: Fastify only
 * calls them for a route that declares a `schema`, and then they stop the boot with an error that
 * says what to use instead. Every bundle leaves both packages out (scripts/esbuild-options.ts).
 */
export const ZOD_ONLY_SCHEMA_CONTROLLER: SchemaController = {
  compilersFactory: { buildValidator: refuseFastifySchemas, buildSerializer: refuseFastifySchemas },
};
