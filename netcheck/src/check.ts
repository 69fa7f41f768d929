import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type MatrixEntry, trafficMatrix } from './engine/traffic-matrix.js';
import { buildNetworkModel } from './model/build-network-model.js';
import type { NetworkModel } from './model/network-model.js';
import type { Finding } from './rules/rule.js';
import { runRules } from './rules/run-rules.js';
import { loadTemplateFile, type ParsedTemplate, TemplateParseError } from './template/parse-template.js';

/** Options for {@link check}. */
export interface CheckOptions {
  /** Parameter values applied to every template (`--param K=V`). */
  readonly params?: Readonly<Record<string, string>>;
}

/** Findings and traffic matrix of a set of templates. */
export interface CheckResult {
  readonly findings: Finding[];
  readonly matrix: MatrixEntry[];
  /** The model, for further path queries. */
  readonly model: NetworkModel;
}

/**
 * Expands paths: a directory (e.g. `cdk.out`) becomes its `*.template.json` files (or, failing
 * that, its .json/.yaml/.yml files).
 *
 * @throws TemplateParseError when a path does not exist or a directory holds no templates.
 */
export async function expandTemplatePaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch {
      throw new TemplateParseError(`cannot read ${path}: no such file or directory`);
    }
    if (!info.isDirectory()) {
      out.push(path);
      continue;
    }
    const names = (await readdir(path)).sort();
    const cdk = names.filter((name) => name.endsWith('.template.json'));
    const chosen =
      cdk.length > 0
        ? cdk
        : names.filter(
            (name) =>
              /\.(json|ya?ml)$/i.test(name) &&
              !name.endsWith('manifest.json') &&
              name !== 'tree.json' &&
              name !== 'cdk.out',
          );
    if (chosen.length === 0) throw new TemplateParseError(`${path} contains no templates`);
    out.push(...chosen.map((name) => join(path, name)));
  }
  return out;
}

/** Runs rules and computes the traffic matrix for already parsed templates. */
export function checkTemplates(templates: readonly ParsedTemplate[]): CheckResult {
  const model = buildNetworkModel(templates);
  return { findings: runRules(model), matrix: trafficMatrix(model), model };
}

/**
 * Loads template files (or directories such as `cdk.out`), builds one network model from all of
 * them, runs every rule and computes the traffic matrix.
 *
 * @throws TemplateParseError when a file cannot be read or parsed.
 */
export async function check(files: readonly string[], options: CheckOptions = {}): Promise<CheckResult> {
  const paths = await expandTemplatePaths(files);
  const templates = await Promise.all(
    paths.map((path) => loadTemplateFile(path, { params: options.params })),
  );
  return checkTemplates(templates);
}
