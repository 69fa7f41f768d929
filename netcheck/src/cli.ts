import { parseArgs } from 'node:util';
import { check } from './check.js';
import { USAGE } from './cli-usage.js';
import { findPath, PathQueryError } from './engine/find-path.js';
import { findingsJson, findingsMarkdown, findingsText } from './report/findings-report.js';
import { matrixMarkdown, matrixMermaid } from './report/matrix-report.js';
import { pathJson, pathText } from './report/path-report.js';
import { TemplateParseError } from './template/parse-template.js';

/** Where the CLI writes (injectable for tests). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unknown: 3 } as const;

class UsageError extends Error {}

function parseParams(values: readonly string[] | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const value of values ?? []) {
    const index = value.indexOf('=');
    if (index <= 0) throw new UsageError(`--param expects K=V, got "${value}"`);
    params[value.slice(0, index)] = value.slice(index + 1);
  }
  return params;
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
  flag: string,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
}

const COMMON_OPTIONS = {
  format: { type: 'string' },
  param: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse<
  O extends Parameters<typeof parseArgs>[0] extends infer C
    ? C extends { options?: infer P }
      ? P
      : never
    : never,
>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function runCheck(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, COMMON_OPTIONS);
  if (values.help) {
    io.stdout(USAGE.check);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('check needs at least one template file');
  const format = oneOf(values.format as string | undefined, ['text', 'json', 'markdown'], 'text', '--format');
  const result = await check(positionals, { params: parseParams(values.param as string[] | undefined) });
  if (format === 'json') io.stdout(findingsJson(result.findings, result.matrix));
  else if (format === 'markdown') io.stdout(findingsMarkdown(result.findings, result.matrix, positionals));
  else io.stdout(findingsText(result.findings, result.matrix, positionals));
  return result.findings.some((finding) => finding.severity === 'error') ? EXIT.failed : EXIT.ok;
}

async function runPath(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    ...COMMON_OPTIONS,
    from: { type: 'string' },
    to: { type: 'string' },
    port: { type: 'string' },
    protocol: { type: 'string' },
  });
  if (values.help) {
    io.stdout(USAGE.path);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('path needs a template file');
  const from = values.from as string | undefined;
  const to = values.to as string | undefined;
  const portText = values.port as string | undefined;
  if (!from || !to || portText === undefined) throw new UsageError('path needs --from, --to and --port');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--port must be 0-65535, got "${portText}"`);
  const protocol = oneOf(values.protocol as string | undefined, ['tcp', 'udp'], 'tcp', '--protocol');
  const format = oneOf(values.format as string | undefined, ['text', 'json'], 'text', '--format');
  const { model } = await check(positionals, { params: parseParams(values.param as string[] | undefined) });
  const result = findPath(model, { from, to, port, protocol });
  io.stdout(format === 'json' ? pathJson(result) : pathText(result));
  return result.reachable === true ? EXIT.ok : result.reachable === false ? EXIT.failed : EXIT.unknown;
}

async function runMatrix(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, COMMON_OPTIONS);
  if (values.help) {
    io.stdout(USAGE.matrix);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('matrix needs at least one template file');
  const format = oneOf(
    values.format as string | undefined,
    ['markdown', 'mermaid', 'json'],
    'markdown',
    '--format',
  );
  const { matrix, model } = await check(positionals, {
    params: parseParams(values.param as string[] | undefined),
  });
  if (format === 'json') io.stdout(`${JSON.stringify(matrix, null, 2)}\n`);
  else if (format === 'mermaid') io.stdout(matrixMermaid(model, matrix));
  else io.stdout(matrixMarkdown(matrix));
  return EXIT.ok;
}

/**
 * Runs the netcheck CLI with the given arguments (without `node` and the script) and returns the
 * exit code. Bad usage and unreadable input are reported on stderr with exit code 2; anything else
 * thrown is a bug and propagates.
 */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await runCheck(rest, io);
      case 'path':
        return await runPath(rest, io);
      case 'matrix':
        return await runMatrix(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE.main);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `netcheck: ${error.message}\nRun "netcheck ${command && ['check', 'path', 'matrix'].includes(command) ? `${command} ` : ''}--help" for usage.\n`,
      );
      return EXIT.usage;
    }
    if (error instanceof TemplateParseError || error instanceof PathQueryError) {
      io.stderr(`netcheck: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
