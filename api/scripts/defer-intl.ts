import { replaceExactlyOnce, rewriteOnLoad } from './rewrite-on-load.js';

/** Nest's two logger modules, each of which builds a date formatter when it is imported. */
const NEST_LOGGER_MODULES = /[\\/]@nestjs[\\/]common[\\/]services[\\/](console-)?logger\.service\.js$/;
const EAGER_FORMATTER = 'const dateTimeFormatter = new Intl.DateTimeFormat(';

/**
 * Rewrites a module's `const dateTimeFormatter = new Intl.DateTimeFormat(…)` so the formatter is
 * built on its first `format()` call instead of at import. Throws unless the statement occurs
 * exactly once, so a Nest release that changes it fails the build instead of silently undoing
 * the saving.
 */
export function deferDateTimeFormatter(source: string, path: string): string {
  // A function declaration is hoisted, so appending it keeps the rewritten line valid.
  return `${replaceExactlyOnce(source, path, EAGER_FORMATTER, 'const dateTimeFormatter = deferredDateTimeFormat(', 'defer-intl')}
function deferredDateTimeFormat(locales, options) {
  let formatter;
  return { format: (date) => (formatter ??= new Intl.DateTimeFormat(locales, options)).format(date) };
}
`;
}

/**
 * The first Intl object a process creates initialises ICU: 12–16 ms on the build machine. Nest's
 * logger modules create one as they are imported, for the timestamps of its console logger, which
 * CloudNest never uses (Nest logs through pino), so every Lambda cold start paid it. This plugin
 * defers those formatters to first use (see docs/lambda.md).
 */
export const deferNestDateFormatters = rewriteOnLoad(
  'defer-nest-date-formatters',
  NEST_LOGGER_MODULES,
  deferDateTimeFormatter,
);
