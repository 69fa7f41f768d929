import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `npm run invoke -- <event.json> [--function api|migrate]`: runs a built Lambda bundle
 * (dist/lambda/<function>/index.mjs, from `npm run build`) with one event file and prints the
 * result. The handler reads its configuration from the environment as on Lambda; NODE_ENV
 * defaults to development here so `.env` and the generated development keys apply, but the
 * bundle has no embedded database: set DATABASE_URL (or DATABASE_SECRET_ARN).
 */
const args = process.argv.slice(2);
const functionFlag = args.indexOf('--function');
const functionName = functionFlag >= 0 ? args.splice(functionFlag, 2)[1] : 'api';
const [eventFile] = args;
if (!eventFile || (functionName !== 'api' && functionName !== 'migrate')) {
  process.stderr.write('Usage: npm run invoke -- <event.json> [--function api|migrate]\n');
  process.exit(2);
}
// npm runs workspace scripts inside api/; resolve the event file against where the command was typed.
const baseDir = process.env.INIT_CWD ?? process.cwd();
const eventPath = isAbsolute(eventFile) ? eventFile : resolve(baseDir, eventFile);
process.env.NODE_ENV ??= 'development';
// Pretty logs run pino-pretty in a worker thread, which the bundle does not carry (nor need on Lambda).
process.env.LOG_PRETTY ??= 'false';
const bundle = join(import.meta.dirname, '..', 'dist', 'lambda', functionName, 'index.mjs');
const event: unknown = JSON.parse(await readFile(eventPath, 'utf8'));
const { handler } = (await import(pathToFileURL(bundle).href)) as {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
};
const context = {
  awsRequestId: 'local-invoke',
  functionName: `cloudnest-${functionName}`,
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
};
process.stdout.write(`${JSON.stringify(await handler(event, context), null, 2)}\n`);
// The handler keeps its database pool open, as on Lambda; a CLI run is done here.
process.exit(0);
