import { readdir, rm, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { baseOptions } from './esbuild-options.js';
import { installNativePackage, LAMBDA_TARGETS, type LambdaTarget, NATIVE_PACKAGES } from './lambda-native.js';
import { lazyRouteHandlers } from './lazy-route-handlers.js';
import { reflectMetadataForLambda } from './reflect-metadata-for-lambda.js';

const apiDir = join(import.meta.dirname, '..');

/** Where `npm run build` writes the functions: one directory per function. */
export const DEFAULT_LAMBDA_OUTDIR = join(apiDir, 'dist', 'lambda');

/** The two Lambda functions: the API handler and the migration function. */
export const LAMBDA_FUNCTIONS = {
  api: join(apiDir, 'src', 'lambda.ts'),
  migrate: join(apiDir, 'src', 'migrate.lambda.ts'),
} as const;
export type LambdaFunctionName = keyof typeof LAMBDA_FUNCTIONS;

/** Where and what to build. */
export interface LambdaBuildOptions {
  /** @default api/dist/lambda */
  readonly outdir?: string;
  /** @default both functions */
  readonly functions?: readonly LambdaFunctionName[];
  /** Native binaries to ship. @default linux x64 and arm64 */
  readonly targets?: readonly LambdaTarget[];
}

/** What one function's bundle contains. */
export interface LambdaBundleReport {
  readonly name: LambdaFunctionName;
  readonly dir: string;
  /** Bytes of JavaScript (entry plus lazily loaded chunks), without source maps or binaries. */
  readonly javascriptBytes: number;
  /** Bytes of JavaScript Node loads before the first request: the entry and its static imports. */
  readonly initBytes: number;
  /** The npm packages whose code is in those bytes (what a cold start compiles), sorted. */
  readonly initPackages: readonly string[];
  /** The app's own source files in those bytes, relative to `api/` (`src/app.ts`), sorted. */
  readonly initSources: readonly string[];
  /**
   * Node built-ins some output imports with a static ESM `import` (each makes Node build a facade
   * that runs every lazy export; `builtins-through-require.ts` turns them into `require`), sorted.
   */
  readonly esmBuiltinImports: readonly string[];
  readonly nativeBinaries: readonly string[];
}

/**
 * esbuild settings of every Lambda bundle (entry and output directory aside); the cold-start
 * benchmark builds its Nest reference app with them too.
 */
export const LAMBDA_ESBUILD_OPTIONS = {
  ...baseOptions,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  // A code-split chunk of a CommonJS package exports only `default`, so prefer each package's
  // ESM build (the AWS SDK's dist-es, zxcvbn's index.mjs); CommonJS-only packages loaded with
  // import() go through `commonJsExports` (see src/common/modules/common-js.ts).
  mainFields: ['module', 'main'],
  target: 'node22',
  // Nest builds each route's handler on its first request instead of at registration (a function
  // serves few of its routes), and the Reflect metadata API is CloudNest's own, cheaper at boot;
  // the HTTP server keeps the eager build and the package (lazy-route-handlers.ts,
  // reflect-metadata-for-lambda.ts).
  plugins: [reflectMetadataForLambda, ...(baseOptions.plugins ?? []), lazyRouteHandlers],
} satisfies BuildOptions;

/**
 * Builds `dist/lambda/<function>/index.mjs` for each function: one self-contained directory to
 * zip (or copy into the container image), minified ESM for node22 with external source maps.
 * Code splitting puts what the first request does not need (MySQL driver, AWS SDK, migrations'
 * helpers loaded by dynamic import) into chunks Node reads only when they are used.
 */
export async function buildLambda(options: LambdaBuildOptions = {}): Promise<LambdaBundleReport[]> {
  const outdir = options.outdir ?? DEFAULT_LAMBDA_OUTDIR;
  const reports: LambdaBundleReport[] = [];
  for (const name of options.functions ?? (Object.keys(LAMBDA_FUNCTIONS) as LambdaFunctionName[])) {
    const dir = join(outdir, name);
    await rm(dir, { recursive: true, force: true });
    const result = await build({
      ...LAMBDA_ESBUILD_OPTIONS,
      entryPoints: { index: LAMBDA_FUNCTIONS[name] },
      outdir: dir,
      metafile: true,
    });
    const nativeBinaries: string[] = [];
    for (const pkg of NATIVE_PACKAGES) {
      if (importsPackage(result.metafile, pkg.name)) {
        nativeBinaries.push(...(await installNativePackage(pkg, dir, options.targets ?? LAMBDA_TARGETS)));
      }
    }
    const init = initOutputs(result.metafile);
    reports.push({
      name,
      dir,
      javascriptBytes: await javascriptBytes(dir),
      initBytes: init.reduce((sum, output) => sum + output.bytes, 0),
      initPackages: packagesIn(init),
      initSources: sourcesIn(init),
      esmBuiltinImports: esmBuiltinImports(result.metafile),
      nativeBinaries,
    });
  }
  return reports;
}

function importsPackage(metafile: Metafile, name: string): boolean {
  return Object.values(metafile.outputs).some((output) =>
    output.imports.some(
      (entry) => entry.external && (entry.path === name || entry.path.startsWith(`${name}/`)),
    ),
  );
}

function esmBuiltinImports(metafile: Metafile): string[] {
  const imported = Object.values(metafile.outputs).flatMap((output) =>
    output.imports.filter((entry) => entry.kind === 'import-statement' && isBuiltin(entry.path)),
  );
  return [...new Set(imported.map((entry) => entry.path))].sort();
}

/** The entry chunk plus everything it imports statically (what a cold start parses). */
function initOutputs(metafile: Metafile): Metafile['outputs'][string][] {
  const entry = Object.keys(metafile.outputs).find((path) => path.endsWith('index.mjs'));
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path) || !metafile.outputs[path]) return;
    seen.add(path);
    for (const imported of metafile.outputs[path].imports) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  if (entry) visit(entry);
  return [...seen].flatMap((path) => metafile.outputs[path] ?? []);
}

/** Package names (`kysely`, `@nestjs/core`) of the node_modules inputs bundled into `outputs`. */
function packagesIn(outputs: readonly Metafile['outputs'][string][]): string[] {
  const names = new Set<string>();
  for (const output of outputs) {
    for (const input of Object.keys(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      if (name) names.add(name);
    }
  }
  return [...names].sort();
}

/** The app's own files among the inputs bundled into `outputs` (esbuild names them from the cwd). */
function sourcesIn(outputs: readonly Metafile['outputs'][string][]): string[] {
  const files = outputs.flatMap((output) => Object.keys(output.inputs));
  const own = files
    .map((input) => relative(apiDir, resolve(input)))
    .filter((file) => file.startsWith('src/'));
  return [...new Set(own)].sort();
}

/** The bundle's own JavaScript files (entry and chunks), not the installed native packages'. */
export async function bundleJavaScriptFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter(
      (entry) => entry.isFile() && entry.name.endsWith('.mjs') && !entry.parentPath.includes('node_modules'),
    )
    .map((entry) => join(entry.parentPath, entry.name));
}

async function javascriptBytes(dir: string): Promise<number> {
  let total = 0;
  for (const file of await bundleJavaScriptFiles(dir)) total += (await stat(file)).size;
  return total;
}
