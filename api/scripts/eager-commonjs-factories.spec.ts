import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decode } from '@jridgewell/sourcemap-codec';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eagerCommonJsFactories } from './eager-commonjs-factories.js';

const run = promisify(execFile);

// Two CommonJS modules, one whose body reads `arguments` (where an arrow and a function differ),
// and two ESM entries that share them, so code splitting puts the helper in a chunk of its own.
const SOURCES = {
  'greet.cjs': [
    'module.exports = function greet(name) {',
    "  if (name === 'boom') throw new Error('marker-greet');",
    "  return 'hello ' + name;",
    '};',
  ].join('\n'),
  'counts-arguments.cjs': 'module.exports = { wrapperArguments: typeof arguments };',
  'first.mjs': [
    "import greet from './greet.cjs';",
    "import counted from './counts-arguments.cjs';",
    "console.log(JSON.stringify({ greeting: greet('first'), counted }));",
  ].join('\n'),
  'second.mjs':
    "import greet from './greet.cjs';\nconsole.log(JSON.stringify({ greeting: greet('second') }));",
};

interface Built {
  readonly dir: string;
  readonly metafile: Metafile;
  /** Every output's code, concatenated. */
  readonly code: string;
}

async function bundle(
  root: string,
  name: string,
  plugins: (typeof eagerCommonJsFactories)[],
): Promise<Built> {
  const dir = join(root, name);
  const result = await build({
    entryPoints: [join(root, 'src', 'first.mjs'), join(root, 'src', 'second.mjs')],
    outdir: dir,
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    sourcemap: 'linked',
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'silent',
    plugins,
  });
  const outputs = Object.keys(result.metafile.outputs).filter((path) => path.endsWith('.mjs'));
  const code = (await Promise.all(outputs.map((path) => readFile(path, 'utf8')))).join('\n');
  return { dir, metafile: result.metafile, code };
}

async function output(dir: string, entry: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, [join(dir, entry)]);
  return JSON.parse(stdout);
}

/**
 * The original position (0-based line and column) the source map gives for the first occurrence of
 * `text` in the output `file`: the mapping that starts exactly there, as a debugger reads it.
 */
async function originalPositionOf(file: string, text: string): Promise<[number, number] | undefined> {
  const code = await readFile(file, 'utf8');
  const offset = code.indexOf(text);
  const before = code.slice(0, offset);
  const line = before.split('\n').length - 1;
  const column = offset - (before.lastIndexOf('\n') + 1);
  const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as { mappings: string };
  const segment = decode(map.mappings)[line]?.find((candidate) => candidate[0] === column);
  return segment?.[2] === undefined || segment[3] === undefined ? undefined : [segment[2], segment[3]];
}

/** The output file of `built` that holds greet.cjs. */
function greetChunk(built: Built): string {
  const path = Object.keys(built.metafile.outputs).find((candidate) =>
    Object.keys(built.metafile.outputs[candidate]?.inputs ?? {}).some((input) => input.endsWith('greet.cjs')),
  );
  if (path === undefined) throw new Error('no output holds greet.cjs');
  return path;
}

describe('eagerCommonJsFactories', () => {
  let root: string;
  let plain: Built;
  let eager: Built;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cloudnest-eager-'));
    await mkdir(join(root, 'src'));
    for (const [name, source] of Object.entries(SOURCES)) await writeFile(join(root, 'src', name), source);
    plain = await bundle(root, 'plain', []);
    eager = await bundle(root, 'eager', [eagerCommonJsFactories]);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('turns a factory into a parenthesised function expression, which V8 compiles with its chunk', () => {
    // Without the plugin esbuild writes arrow functions, which V8 pre-parses and later parses again.
    expect(plain.code).not.toContain('(function(');
    expect(eager.code.match(/\w\(\(function\(\w+,\w+\)\{/g)).toHaveLength(1);
  });

  it('leaves a factory alone whose body reads arguments', () => {
    expect(eager.code).toMatch(/typeof arguments/);
    expect(eager.code.match(/\w\(\(\w+,\w+\)=>\{/g)).toHaveLength(1);
  });

  it('runs exactly like the output without it, in both entries', async () => {
    for (const entry of ['first.mjs', 'second.mjs']) {
      expect(await output(eager.dir, entry)).toEqual(await output(plain.dir, entry));
    }
    expect(await output(eager.dir, 'first.mjs')).toMatchObject({ greeting: 'hello first' });
  });

  it('keeps the source map pointing at the sources after the edits', async () => {
    // Tokens after the edited factory head, on the same line of the minified chunk.
    const tokens = { '"marker-greet"': [1, 39], 'return"hello': [2, 2], 'exports=': [0, 7] };
    for (const [token, position] of Object.entries(tokens)) {
      expect(await originalPositionOf(greetChunk(plain), token)).toEqual(position);
      expect(await originalPositionOf(greetChunk(eager), token)).toEqual(position);
    }
  });

  it('reports the rewritten sizes in the metafile', async () => {
    for (const [path, entry] of Object.entries(eager.metafile.outputs)) {
      expect(entry.bytes).toBe((await stat(path)).size);
    }
  });
});
