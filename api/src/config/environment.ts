import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { type AppConfig, loadConfig } from './app-config.js';

/**
 * The one place that reads `process.env`. In development, `.env` files fill in variables the
 * real environment does not set (the real environment always wins).
 * @returns the validated configuration; throws `ConfigError` listing every bad variable
 */
export function configFromProcessEnvironment(): AppConfig {
  // npm sets INIT_CWD to where `npm start` was typed, so `.env` and `.data/` live at the repo root
  // even though the workspace script runs inside api/.
  const baseDir = process.env.INIT_CWD ?? process.cwd();
  const variables: Record<string, string | undefined> = { ...process.env };
  if ((process.env.NODE_ENV ?? 'development') === 'development') {
    for (const file of new Set([resolve(baseDir, '.env'), resolve(process.cwd(), '.env')])) {
      if (!existsSync(file)) continue;
      for (const [key, value] of Object.entries(parse(readFileSync(file)))) {
        variables[key] ??= value;
      }
    }
  }
  return loadConfig(variables, baseDir);
}
