/** A JSON Schema node as the OpenAPI document carries it (only what the fuzzer reads). */
export interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly format?: string;
  readonly minLength?: number;
  readonly minimum?: number;
  readonly anyOf?: readonly SchemaNode[];
  readonly oneOf?: readonly SchemaNode[];
}

/** One documented operation, flattened for the fuzzer. */
export interface FuzzOperation {
  readonly method: string;
  /** OpenAPI template, e.g. `/auth/sessions/{id}`. */
  readonly path: string;
  readonly pathParameters: readonly string[];
  readonly queryParameters: readonly string[];
  /** The application/json request body schema, when the operation takes one. */
  readonly body: SchemaNode | undefined;
  readonly bearer: boolean;
}

interface OpenApiDocument {
  readonly paths: Readonly<
    Record<
      string,
      Readonly<
        Record<
          string,
          {
            parameters?: readonly { name: string; in: string }[];
            requestBody?: { content?: Record<string, { schema?: SchemaNode }> };
            security?: readonly Record<string, unknown>[];
          }
        >
      >
    >
  >;
}

/** Every operation of the document, so a new endpoint is fuzzed without touching the fuzzer. */
export function operationsOf(document: OpenApiDocument): FuzzOperation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      pathParameters: (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
      queryParameters: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      body: operation.requestBody?.content?.['application/json']?.schema,
      bearer: (operation.security ?? []).some((requirement) => 'bearer' in requirement),
    })),
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
