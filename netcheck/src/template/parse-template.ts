import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseDocument } from 'yaml';
import type { JsonObject, JsonValue } from './template-values.js';
import { cloudFormationYamlTags } from './yaml-intrinsic-tags.js';

/** Options for reading a template. */
export interface TemplateOptions {
  /** Parameter values (`--param K=V`); they override the template's Defaults. Pseudo parameters such as `AWS::Region` may be given too. */
  readonly params?: Readonly<Record<string, string>>;
  /** Name used to prefix logical ids when several templates are combined; defaults to the file name. */
  readonly name?: string;
}

/** A template read from disk or text, not yet evaluated. */
export interface ParsedTemplate {
  /** Short name (file name without `.template.json` / extension), used as a stack name. */
  readonly name: string;
  /** Source path when loaded from a file. */
  readonly path?: string;
  /** The template document, with YAML short-form intrinsics already converted to long form. */
  readonly body: JsonObject;
  /** Parameter values supplied by the caller. */
  readonly params: Readonly<Record<string, string>>;
}

/** Thrown when a template cannot be read or is not a CloudFormation template. */
export class TemplateParseError extends Error {
  override readonly name = 'TemplateParseError';
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses CloudFormation template text (JSON or YAML with short-form intrinsics such as `!Ref`).
 *
 * @throws TemplateParseError when the text is not valid JSON/YAML or has no `Resources` map.
 */
export function parseTemplate(text: string, options: TemplateOptions = {}): ParsedTemplate {
  let document: unknown;
  // Editors on Windows save UTF-8 with a byte order mark; JSON.parse rejects it.
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    // JSON is valid YAML, but JSON.parse is several times faster on large CDK outputs.
    document = source.trimStart().startsWith('{') ? JSON.parse(source) : parseYamlTemplate(source);
  } catch (error) {
    throw new TemplateParseError(`cannot parse template: ${(error as Error).message}`);
  }
  if (!isJsonObject(document)) {
    throw new TemplateParseError('template is not a JSON/YAML object');
  }
  const resources: JsonValue | undefined = document.Resources;
  if (!isJsonObject(resources)) {
    throw new TemplateParseError('template has no Resources section');
  }
  checkResources(resources, isJsonObject(document.Conditions) ? document.Conditions : {});
  return { name: options.name ?? 'template', body: document, params: { ...options.params } };
}

/** YAML with CloudFormation's short-form tags; any other tag (`!Foo`) is an error, as in CloudFormation. */
function parseYamlTemplate(text: string): unknown {
  const document = parseDocument(text, { customTags: cloudFormationYamlTags() });
  const [error] = document.errors;
  if (error) throw error;
  // yaml only warns about an unknown tag and keeps the plain value, which would hide the mistake.
  const unknownTag = document.warnings.find((warning) => warning.code === 'TAG_RESOLVE_FAILED');
  if (unknownTag)
    throw new Error(
      `${unknownTag.message.split('\n')[0]?.replace(/:$/, '')} (not a CloudFormation intrinsic)`,
    );
  // The YAML library's guard against alias bombs (a few lines that expand to gigabytes; found in
  // review, 2026-12-07: it was switched off). CloudFormation itself rejects aliases; hand-written
  // templates may still use a few.
  return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
}

/** Aliases a template may expand (the YAML library's default is 100). */
const MAX_ALIAS_COUNT = 1000;

function describeJson(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/**
 * Rejects resources CloudFormation rejects at validation (no or non-string Type, Properties that
 * are not an object, a Condition not defined in Conditions): the model would otherwise skip them
 * and report a clean network. `Fn::ForEach::*` entries are loops, reported by the model builder.
 */
function checkResources(resources: JsonObject, conditions: JsonObject): void {
  for (const [id, resource] of Object.entries(resources)) {
    if (id.startsWith('Fn::ForEach::')) continue;
    if (!isJsonObject(resource))
      throw new TemplateParseError(`resource ${id} is ${describeJson(resource)}, not an object with a Type`);
    if (resource.Type === undefined) throw new TemplateParseError(`resource ${id} has no Type`);
    if (typeof resource.Type !== 'string')
      throw new TemplateParseError(`Type of ${id} is not a string: ${JSON.stringify(resource.Type)}`);
    if (
      resource.Properties !== undefined &&
      resource.Properties !== null &&
      !isJsonObject(resource.Properties)
    )
      throw new TemplateParseError(
        `Properties of ${id} must be an object, not ${describeJson(resource.Properties)}`,
      );
    const condition = resource.Condition;
    if (condition === undefined) continue;
    if (typeof condition !== 'string')
      throw new TemplateParseError(
        `Condition of ${id} must be the name of a condition, not ${describeJson(condition)}`,
      );
    if (!Object.hasOwn(conditions, condition))
      throw new TemplateParseError(
        `resource ${id} names Condition ${condition}, which is not defined in Conditions`,
      );
  }
}

/** Derives a stack-like name from a file path (`cdk.out/Api.template.json` → `Api`). */
export function templateNameFromPath(path: string): string {
  return basename(path)
    .replace(/\.template\.json$/, '')
    .replace(/\.(json|ya?ml|template)$/i, '');
}

/**
 * Reads and parses a template file.
 *
 * @throws TemplateParseError when the file cannot be read or parsed.
 */
export async function loadTemplateFile(path: string, options: TemplateOptions = {}): Promise<ParsedTemplate> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TemplateParseError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    const parsed = parseTemplate(text, { ...options, name: options.name ?? templateNameFromPath(path) });
    return { ...parsed, path };
  } catch (error) {
    throw new TemplateParseError(`${path}: ${(error as Error).message}`);
  }
}
