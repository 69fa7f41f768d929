import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `npm run invoke -- <event.json> [--function api|migrate] [--dist <dir>]`: runs a built Lambda
 * bundle (<dir>/<function>/index.mjs; `npm run build` writes dist/lambda, the default) with one
 * event file and prints the result. The handler reads its configuration from the environment as
 * on Lambda; NODE_ENV defaults to development here so `.env` and the generated development keys
 * apply, but the bundle has no embedded database: set DATABASE_URL (or DATABASE_SECRET_ARN).
 */
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const index = args.indexOf(name);
  return index >= 0 ? args.splice(index, 2)[1] : undefined;
};
const functionName = option('--function') ?? 'api';
const distDir = option('--dist') ?? join(import.meta.dirname, '..', 'dist', 'lambda');
const [eventFile] = args;
if (!eventFile || (functionName !== 'api' && functionName !== 'migrate')) {
  process.stderr.write('Usage: npm run invoke -- <event.json> [--function api|migrate] [--dist <dir>]\n');
  process.exit(2);
}
// npm runs workspace scripts inside api/; resolve the event file against where the command was typed.
const baseDir = process.env.INIT_CWD ?? process.cwd();
const eventPath = isAbsolute(eventFile) ? eventFile : resolve(baseDir, eventFile);
process.env.NODE_ENV ??= 'development';
// Pretty logs run pino-pretty in a worker thread, which the bundle does not carry (nor need on Lambda).
process.env.LOG_PRETTY ??= 'false';
const bundle = join(resolve(baseDir, distDir), functionName, 'index.mjs');
const event: unknown = JSON.parse(await readFile(eventPath, 'utf8'));
const context = {
  awsRequestId: 'local-invoke',
  functionName: `cloudnest-${functionName}`,
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
};
try {
  const { handler } = (await import(pathToFileURL(bundle).href)) as {
    handler: (event: unknown, context: unknown) => Promise<unknown>;
  };
  process.stdout.write(`${JSON.stringify(await handler(event, context), null, 2)}\n`);
} catch (error) {
  // What Lambda would report as the Init or invocation error. Left uncaught, Node would print the
  // throwing source line first: one minified line of ~100 KB.
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
// The handler keeps its database pool open, as on Lambda; a CLI run is done here.
process.exit(0);
