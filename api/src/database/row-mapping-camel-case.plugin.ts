import { CamelCasePlugin, type UnknownRow } from 'kysely';

/**
 * Kysely's CamelCasePlugin, with its result mapping also callable synchronously. The direct query
 * path (`directQueryOf`) runs SQL on the pool without Kysely's executor and maps the rows itself:
 * the plugin's `transformResult` is async, and every promise hop between the driver's answer and
 * the handler is one more pending object per request waiting for a pool connection. Same
 * `mapRow`, so the same column names come out either way. Imported with Kysely, on first use.
 */
export class RowMappingCamelCasePlugin extends CamelCasePlugin {
  mapRows(rows: readonly UnknownRow[]): UnknownRow[] {
    return rows.map((row) => this.mapRow(row));
  }
}
