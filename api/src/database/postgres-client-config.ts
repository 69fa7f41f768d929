import type { ClientConfig } from 'pg';
import { commonJsExports } from '../common/modules/common-js.js';

/**
 * pg's client settings for a `postgres://` URL, with the database name decoded the way libpq
 * (psql), mysql2, `ensureDatabaseExists` and the URLs built from secrets decode it.
 *
 * pg reads a connection string's database name with `decodeURI`, which leaves reserved characters
 * escaped: `…/my%26db` connects to a database named `my%26db`, while `ensureDatabaseExists` had
 * created `my&db` and a secret whose dbname is `my&db` was written as `my%26db`, so the migration
 * created one database and the API then looked for another (found in review, 2026-12-07). pg
 * lets a connection string win over explicit settings, so the URL is parsed here (with pg's own
 * parser, for everything else in it) and the name is replaced after.
 */
export async function postgresClientConfig(url: string): Promise<ClientConfig> {
  const { parseIntoClientConfig } = commonJsExports(
    await import('pg-connection-string'),
    'parseIntoClientConfig',
  );
  const path = new URL(url).pathname.slice(1);
  return { ...parseIntoClientConfig(url), database: decodeURIComponent(path) };
}
