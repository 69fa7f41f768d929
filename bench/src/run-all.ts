/**
 * `npm run bench [-- name…]`: runs every benchmark module in this folder (each exports `run()`,
 * writes bench/results/<name>.json and prints a table), or only the named ones. Modules are found
 * by listing the folder, so adding a benchmark needs no edit here.
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const wanted = new Set(process.argv.slice(2));
const modules = (await readdir(import.meta.dirname))
  .filter((file) => file.endsWith('.ts') && file !== 'run-all.ts' && !file.endsWith('.spec.ts'))
  .map((file) => basename(file, '.ts'))
  .filter((name) => wanted.size === 0 || wanted.has(name))
  .sort();
const unknown = [...wanted].filter((name) => !modules.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}`);
  process.exit(2);
}
let failed = false;
for (const name of modules) {
  const module = (await import(pathToFileURL(join(import.meta.dirname, `${name}.ts`)).href)) as {
    run?: () => Promise<{ pass?: boolean }>;
  };
  if (typeof module.run !== 'function') continue;
  console.log(`\n=== ${name}`);
  const result = await module.run();
  if (result.pass === false) failed = true;
}
// A benchmark missing its target is reported, not hidden; the tables above say by how much.
process.exitCode = failed ? 1 : 0;
