/** A JSON Schema node as the OpenAPI document carries it (only what the fuzzer reads). */
export interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly format?: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly anyOf?: readonly SchemaNode[];
  readonly oneOf?: readonly SchemaNode[];
}

/** A documented path or query parameter. */
export interface FuzzParameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly schema: SchemaNode | undefined;
}

/** One documented operation, flattened for the fuzzer. */
export interface FuzzOperation {
  readonly method: string;
  /** OpenAPI template, e.g. `/auth/sessions/{id}`. */
  readonly path: string;
  readonly pathParameters: readonly FuzzParameter[];
  readonly queryParameters: readonly FuzzParameter[];
  /** The application/json request body schema, when the operation takes one. */
  readonly body: SchemaNode | undefined;
  readonly bearer: boolean;
  /**
   * Only an administrator gets past the role check (`@RequireRole('admin')`): the operation is
   * tagged `admin` or documents FORBIDDEN, the code only the role check answers with. The fuzz
   * test also fails if an operation not marked here refuses the ordinary user with FORBIDDEN.
   */
  readonly admin: boolean;
  /**
   * The error codes the operation may answer with: its `default` response's `x-error-codes` and
   * the document's own (the codes of any request), as the builder writes them.
   */
  readonly errors: readonly string[];
}

interface OpenApiParameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: SchemaNode;
}

interface OpenApiDocument {
  readonly 'x-error-codes'?: readonly string[];
  readonly paths: Readonly<
    Record<
      string,
      Readonly<
        Record<
          string,
          {
            tags?: readonly string[];
            parameters?: readonly OpenApiParameter[];
            requestBody?: { content?: Record<string, { schema?: SchemaNode }> };
            security?: readonly Record<string, unknown>[];
            responses?: Record<string, { 'x-error-codes'?: readonly string[] }>;
          }
        >
      >
    >
  >;
}

/** Every operation of the document, so a new endpoint is fuzzed without touching the fuzzer. */
export function operationsOf(document: OpenApiDocument): FuzzOperation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const parameters = (where: 'path' | 'query'): FuzzParameter[] =>
        (operation.parameters ?? [])
          .filter((p) => p.in === where)
          .map((p) => ({ name: p.name, in: where, required: p.required === true, schema: p.schema }));
      const own = operation.responses?.default?.['x-error-codes'] ?? [];
      return {
        method: method.toUpperCase(),
        path,
        pathParameters: parameters('path'),
        queryParameters: parameters('query'),
        body: operation.requestBody?.content?.['application/json']?.schema,
        bearer: (operation.security ?? []).some((requirement) => 'bearer' in requirement),
        admin: (operation.tags ?? []).includes('admin') || own.includes('FORBIDDEN'),
        errors: [...own, ...(document['x-error-codes'] ?? [])],
      };
    }),
  );
}

/** A plausible valid value for a schema: the starting point that mutations then break. */
export function exampleOf(schema: SchemaNode | undefined, depth = 0): unknown {
  if (!schema || depth > 8) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  const alternative = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (alternative) return exampleOf(alternative, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        value[key] = exampleOf(property, depth + 1);
      }
      return value;
    }
    case 'array':
      return [exampleOf(schema.items, depth + 1)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      if (schema.format === 'email') return `fuzz.${Math.random().toString(36).slice(2)}@example.com`;
      if (schema.format === 'uuid') return crypto.randomUUID();
      return 'fuzz-value-'.padEnd(Math.max(schema.minLength ?? 0, 12), 'x');
    default:
      return null;
  }
}

/**
 * Values aimed at one documented parameter's schema, as they arrive after percent-decoding:
 * wrong types, just out of range, too long, not in the enum, not matching the pattern or format.
 * Most must be refused by validation; a few are edge cases that may be valid (the nil UUID).
 */
export function badValuesFor(schema: SchemaNode | undefined): string[] {
  const values = ['', ' ', 'null', 'undefined', '[]', '{}', 'true'];
  const type = Array.isArray(schema?.type) ? schema?.type[0] : schema?.type;
  if (type === 'integer' || type === 'number') {
    const min = schema?.minimum ?? 0;
    const max = schema?.maximum ?? 2 ** 53;
    values.push(
      String(min - 1),
      String(max + 1),
      String(min + 0.5),
      '1e3',
      '-0',
      'NaN',
      'Infinity',
      '0x10',
      '1_0',
      '9'.repeat(400),
      `1${'0'.repeat(30)}`,
      '\u0661\u0662', // Arabic-Indic digits
      '\uff11', // fullwidth 1
      'abc',
    );
  }
  if (schema?.enum)
    values.push(
      ...schema.enum.flatMap((option) => [
        String(option).toUpperCase(),
        ` ${String(option)}`,
        `${String(option)}x`,
      ]),
    );
  if (schema?.maxLength !== undefined)
    values.push('x'.repeat(schema.maxLength + 1), 'é'.repeat(schema.maxLength + 1));
  if (schema?.pattern !== undefined) values.push('fuzz', '../../etc/passwd', 'a/b\\c', '%2e%2e');
  if (schema?.format === 'uuid') {
    const uuid = crypto.randomUUID();
    values.push(
      'not-a-uuid',
      `{${uuid}}`,
      `${uuid}0`,
      uuid.replaceAll('-', ''),
      uuid.slice(0, 35),
      '00000000-0000-0000-0000-000000000000',
    );
  }
  return values;
}
