// What of zod the DTO definitions use: `dto()` hands this module to each definition. Naming the
// functions, rather than handing over zod's whole namespace, lets esbuild keep only what is used:
// a namespace passed around as a value keeps every export, and the chunk a first request loads
// grew from ~100 to 456 KiB (every locale, every schema type). A definition that needs another
// zod function adds it here; TypeScript points at this list when one is missing.
export {
  array,
  boolean,
  coerce,
  email,
  enum,
  iso,
  literal,
  NEVER,
  number,
  object,
  record,
  string,
  unknown,
  uuid,
} from 'zod';
