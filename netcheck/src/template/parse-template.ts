import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
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
  const trimmed = text.trimStart();
  try {
    // JSON is valid YAML, but JSON.parse is several times faster on large CDK outputs.
    document = trimmed.startsWith('{')
      ? JSON.parse(text)
      : parseYaml(text, { customTags: cloudFormationYamlTags(), maxAliasCount: -1 });
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
  return { name: options.name ?? 'template', body: document, params: { ...options.params } };
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
