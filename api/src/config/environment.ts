import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { type AppConfig, ConfigError, loadConfig } from './app-config.js';
import type { ProcessRole } from './config.schema.js';

/**
 * The one place that reads `process.env`. In development, `.env` files fill in variables the
 * real environment does not set (the real environment always wins).
 * @param defaults values for variables the environment leaves unset (the Lambda handler defaults
 *   NODE_ENV to production, so a function deployed without it never starts an embedded database)
 * @param role what the process does, where the rules depend on it (see {@link ProcessRole})
 * @returns the validated configuration; throws `ConfigError` listing every bad variable, or
 *   naming a file a variable points at that does not exist
 */
export function configFromProcessEnvironment(
  defaults: Readonly<Record<string, string>> = {},
  role: ProcessRole = {},
): AppConfig {
  // npm sets INIT_CWD to where `npm start` was typed, so `.env` and `.data/` live at the repo root
  // even though the workspace script runs inside api/.
  const baseDir = process.env.INIT_CWD ?? process.cwd();
  const variables: Record<string, string | undefined> = { ...defaults, ...process.env };
  if ((variables.NODE_ENV ?? 'development') === 'development') {
    for (const file of new Set([resolve(baseDir, '.env'), resolve(process.cwd(), '.env')])) {
      if (!existsSync(file)) continue;
      for (const [key, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
        variables[key] ??= value;
      }
    }
  }
  const config = loadConfig(variables, baseDir, role);
  // Checked here, at boot, rather than on the first query, where it would read as an outage.
  const { tls } = config.database;
  if (tls.mode === 'verify-full' && tls.ca.kind === 'file' && !existsSync(tls.ca.path)) {
    throw new ConfigError([`DATABASE_SSL_CA names ${tls.ca.path}, which does not exist`]);
  }
  return config;
}
