import { readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { parse } from 'acorn';
import type { Plugin } from 'esbuild';

/**
 * Makes V8 compile each bundled CommonJS module's body once instead of twice.
 *
 * Why: esbuild wraps every CommonJS module (Fastify, pino, semver, light-my-request, pg, …) in a
 * factory, `var x = __commonJS((exports, module) => { …module… })`, that runs on the first
 * `require`. V8 compiles a function lazily: loading the chunk pre-parses the factory (and every
 * function inside it), and the first call parses it again, fully. A function expression in
 * parentheses, `(function (exports, module) { … })`, is V8's sign of a function about to be called
 * (its "possibly invoked function expression" heuristic), and V8 compiles it with the chunk
 * instead. The sign must be the `function` keyword after `(`: a parenthesised arrow function gets
 * no such treatment, which is why wrapping the arrows alone measured nothing (docs/lambda.md).
 * Counted on the Lambda bundle's cold start (Node 20, valgrind): 712 → 638 million instructions;
 * the raw Fastify bundle, almost all CommonJS, 488 → 388 million. So this is a setting of every
 * bundle, the benchmarks' peers included.
 *
 * How: after esbuild writes its output, each file is parsed (acorn); the `__commonJS` helper is
 * found by its shape (an arrow function that creates `{exports: {}}`), followed through the
 * chunks' imports and exports, and every top-level `var x = helper((e, t) => { … })` becomes
 * `helper((function (e, t) { … }))`. A factory whose own body reads `this`, `arguments`,
 * `new.target` or `super` (where an arrow and a function differ) stays as it is. The source map
 * is shifted to match, so stacks still point into the sources. Minified output only: unminified,
 * esbuild writes factories as object methods, which have no such form. Builds with `write: false`
 * are left as they are.
 */
export const eagerCommonJsFactories: Plugin = {
  name: 'eager-commonjs-factories',
  setup(build) {
    build.initialOptions.metafile = true;
    build.onEnd(async (result) => {
      if (result.errors.length > 0 || !result.metafile || build.initialOptions.write === false) return;
      const workingDir = build.initialOptions.absWorkingDir ?? process.cwd();
      const outputs = Object.keys(result.metafile.outputs).filter((path) => /\.m?js$/.test(path));
      const files = new Map<string, OutputFile>();
      for (const output of outputs) {
        const path = isAbsolute(output) ? output : resolve(workingDir, output);
        const map = await readFile(`${path}.map`, 'utf8').catch(() => undefined);
        files.set(path, { code: await readFile(path, 'utf8'), map });
      }
      for (const [path, file] of eagerFactories(files)) {
        await writeFile(path, file.code);
        if (file.map !== undefined) await writeFile(`${path}.map`, file.map);
        // Keep the metafile's sizes true: the build reports read them.
        const output = outputs.find((candidate) => resolve(workingDir, candidate) === path) ?? '';
        const entries = result.metafile.outputs;
        if (entries[output]) entries[output].bytes = Buffer.byteLength(file.code);
        const mapEntry = entries[`${output}.map`];
        if (mapEntry && file.map !== undefined) mapEntry.bytes = Buffer.byteLength(file.map);
      }
    });
  },
};

/** One output file: its code and, if it has one, its source map (JSON text). */
export interface OutputFile {
  readonly code: string;
  readonly map?: string | undefined;
}

/** A replacement of `code.slice(start, end)` by `text`. */
interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

// acorn's nodes, as far as this file reads them.
interface SyntaxNode {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly [field: string]: unknown;
}

/**
 * The files (absolute path → code and map) whose factories were rewritten, rewritten; files with
 * nothing to rewrite are not in the result.
 */
export function eagerFactories(files: ReadonlyMap<string, OutputFile>): Map<string, OutputFile> {
  const programs = new Map<string, SyntaxNode>();
  for (const [path, file] of files) {
    programs.set(
      path,
      parse(file.code, { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as SyntaxNode,
    );
  }
  const helpers = helperNames(files, programs);
  const rewritten = new Map<string, OutputFile>();
  for (const [path, file] of files) {
    const helper = helpers.get(path);
    const program = programs.get(path);
    if (helper === undefined || program === undefined) continue;
    const edits = factoryEdits(file.code, program, helper);
    if (edits.length === 0) continue;
    rewritten.set(path, {
      code: applyEdits(file.code, edits),
      map: file.map === undefined ? undefined : shiftedSourceMap(file.code, file.map, edits),
    });
  }
  return rewritten;
}

/** For each file that can call the `__commonJS` helper, the helper's name in that file. */
function helperNames(
  files: ReadonlyMap<string, OutputFile>,
  programs: ReadonlyMap<string, SyntaxNode>,
): Map<string, string> {
  const names = new Map<string, string>();
  for (const [path, program] of programs) {
    const code = files.get(path)?.code ?? '';
    const local = topLevelDeclarators(program).find(
      (declarator) => isNode(declarator.init) && isCommonJsHelper(code, declarator.init),
    );
    if (!isNode(local?.id) || local.id.type !== 'Identifier') continue;
    const definedAs = local.id.name as string;
    names.set(path, definedAs);
    // Chunks that import it (code splitting) know it under their own name.
    const exportedAs = exportedNames(program).get(definedAs);
    if (exportedAs === undefined) continue;
    for (const [importer, importerProgram] of programs) {
      const importedAs = importedName(importerProgram, dirname(importer), path, exportedAs);
      if (importedAs !== undefined) names.set(importer, importedAs);
    }
  }
  return names;
}

/** esbuild's `__commonJS`: `(cb, mod) => () => …(mod = {exports: {}}).exports…`. */
function isCommonJsHelper(code: string, init: SyntaxNode): boolean {
  return (
    init.type === 'ArrowFunctionExpression' &&
    (init.params as unknown[]).length === 2 &&
    isNode(init.body) &&
    init.body.type === 'ArrowFunctionExpression' &&
    /\{\s*exports\s*:\s*\{\s*\}\s*\}/.test(code.slice(init.start, init.end))
  );
}

function factoryEdits(code: string, program: SyntaxNode, helper: string): Edit[] {
  const edits: Edit[] = [];
  for (const declarator of topLevelDeclarators(program)) {
    const call = declarator.init;
    if (!isNode(call) || call.type !== 'CallExpression') continue;
    const callee = call.callee;
    const [factory, ...rest] = call.arguments as SyntaxNode[];
    if (!isNode(callee) || callee.type !== 'Identifier' || callee.name !== helper) continue;
    if (factory === undefined || rest.length > 0 || factory.type !== 'ArrowFunctionExpression') continue;
    const body = factory.body;
    if (factory.async || !isNode(body) || body.type !== 'BlockStatement' || readsOwnContext(body)) continue;
    const params = factory.params as SyntaxNode[];
    const paramText = params.length === 0 ? '' : code.slice(params[0]?.start, params.at(-1)?.end);
    // The head (`(e,t)=>`) is replaced on its own line; a head across lines is left alone.
    if (code.slice(factory.start, body.start).includes('\n')) continue;
    edits.push({ start: factory.start, end: body.start, text: `(function(${paramText})` });
    edits.push({ start: factory.end, end: factory.end, text: ')' });
  }
  return edits;
}

/** Whether code directly in this function body (not in nested non-arrow functions) uses what arrows inherit. */
function readsOwnContext(body: SyntaxNode): boolean {
  let found = false;
  const visit = (node: SyntaxNode) => {
    if (found) return;
    if (
      node.type === 'ThisExpression' ||
      node.type === 'Super' ||
      node.type === 'MetaProperty' ||
      (node.type === 'Identifier' && node.name === 'arguments')
    ) {
      found = true;
      return;
    }
    // Functions have their own; of a class, only the heritage and computed member names are
    // evaluated in the enclosing context (members, field initialisers and static blocks are not).
    if (node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration') return;
    if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') {
      if (isNode(node.superClass)) visit(node.superClass);
      for (const member of (node.body as SyntaxNode).body as SyntaxNode[]) {
        if (member.computed && isNode(member.key)) visit(member.key);
      }
      return;
    }
    for (const child of children(node)) visit(child);
  };
  for (const child of children(body)) visit(child);
  return found;
}

function topLevelDeclarators(program: SyntaxNode): SyntaxNode[] {
  return (program.body as SyntaxNode[])
    .filter((statement) => statement.type === 'VariableDeclaration')
    .flatMap((statement) => statement.declarations as SyntaxNode[]);
}

/** Local name → exported name, from `export { a as b }` statements. */
function exportedNames(program: SyntaxNode): Map<string, string> {
  const names = new Map<string, string>();
  for (const statement of program.body as SyntaxNode[]) {
    if (statement.type !== 'ExportNamedDeclaration' || statement.source) continue;
    for (const specifier of statement.specifiers as SyntaxNode[]) {
      const local = specifier.local as SyntaxNode;
      const exported = specifier.exported as SyntaxNode;
      names.set(local.name as string, (exported.name ?? exported.value) as string);
    }
  }
  return names;
}

/** The local name under which `program` imports `exportedAs` from the file `from`, if it does. */
function importedName(
  program: SyntaxNode,
  dir: string,
  from: string,
  exportedAs: string,
): string | undefined {
  for (const statement of program.body as SyntaxNode[]) {
    if (statement.type !== 'ImportDeclaration') continue;
    const source = (statement.source as SyntaxNode).value as string;
    if (!source.startsWith('.') || join(dir, source) !== from) continue;
    for (const specifier of statement.specifiers as SyntaxNode[]) {
      if (specifier.type !== 'ImportSpecifier') continue;
      const imported = specifier.imported as SyntaxNode;
      if ((imported.name ?? imported.value) === exportedAs)
        return (specifier.local as SyntaxNode).name as string;
    }
  }
  return undefined;
}

function isNode(value: unknown): value is SyntaxNode {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

function children(node: SyntaxNode): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) found.push(item);
    } else if (isNode(value)) found.push(value);
  }
  return found;
}

function applyEdits(code: string, edits: readonly Edit[]): string {
  let result = '';
  let at = 0;
  for (const edit of [...edits].sort((a, b) => a.start - b.start)) {
    result += code.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return result + code.slice(at);
}

/**
 * The source map of the edited code: on each line, a mapped column after an edit moves by what the
 * edits before it added; one inside a replaced range moves to the replacement's start. Edits never
 * span lines.
 */
function shiftedSourceMap(code: string, mapText: string, edits: readonly Edit[]): string {
  const map = JSON.parse(mapText) as { mappings: string };
  const lineStarts = [0];
  for (let index = code.indexOf('\n'); index !== -1; index = code.indexOf('\n', index + 1)) {
    lineStarts.push(index + 1);
  }
  const lineOf = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  };
  const editsByLine = new Map<number, { start: number; end: number; delta: number }[]>();
  for (const edit of edits) {
    const line = lineOf(edit.start);
    const lineStart = lineStarts[line] ?? 0;
    const onLine = editsByLine.get(line) ?? [];
    onLine.push({
      start: edit.start - lineStart,
      end: edit.end - lineStart,
      delta: edit.text.length - (edit.end - edit.start),
    });
    editsByLine.set(line, onLine);
  }
  const mappings = decode(map.mappings);
  for (const [line, lineEdits] of editsByLine) {
    const segments = mappings[line];
    if (segments === undefined) continue;
    lineEdits.sort((a, b) => a.start - b.start);
    for (const segment of segments) {
      const column = segment[0];
      let shift = 0;
      let moved = column;
      for (const edit of lineEdits) {
        if (column >= edit.end) shift += edit.delta;
        else {
          if (column >= edit.start) moved = edit.start;
          break;
        }
      }
      segment[0] = moved === column ? column + shift : moved + shift;
    }
  }
  return JSON.stringify({ ...map, mappings: encode(mappings) });
}
