import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/common/errors/error-codes.js';
import { newCredentials, RELAXED_LIMITS, readJson, type TokenPair } from '../support/auth-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { exampleOf, type FuzzOperation, operationsOf } from './openapi-operations.js';
import { headerSafe, type RawRequest, type RawResponse, sendRaw } from './raw-http.js';
import { reliabilityProfile } from './reliability-profile.js';

const profile = reliabilityProfile();
/** Small on purpose, so oversized bodies are cheap to send; the 1 MiB default is checked in slow-clients. */
const BODY_LIMIT = 64 * 1024;

/** Strings that break naive handling: lone surrogates, NUL, BOM, RTL override, combining marks, … */
const UNICODE_EDGES = [
  '\ud800',
  '\udfff',
  'a\u0000b',
  '\ufeff',
  '\u202eevil',
  'e\u0301\u0301\u0301',
  '\uffff',
  '👩‍👩‍👧‍👦',
  '𝕮𝖑𝖔𝖚𝖉',
  'ﷺ'.repeat(500),
  '\u2028\u2029',
  '%00%ff',
  "'; drop table users; --",
  '{{7*7}}#{7*7}',
  '../../etc/passwd',
];

const BAD_TOKENS = [
  '',
  'Bearer',
  'Bearer ',
  'Bearer garbage',
  'bearer lowercase.scheme.token',
  'Basic dXNlcjpwYXNz',
  'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4Iiwic2lkIjoieSJ9.',
  'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl',
  `Bearer ${'a'.repeat(5000)}`,
  'Bearer a.b.c.d.e',
  'Bearer \xff\xfe\xfd.\x80\x81.\xc0',
];

const BAD_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/xml',
  'application/json; charset=utf-16',
  'application/jsonx',
  'garbage',
  '',
];

const BAD_PATH_VALUES = [
  '%00',
  '%ff%fe',
  '..%2F..%2Fetc',
  '%',
  'a'.repeat(3000),
  '%E2%80%AE',
  '%F0%9F%92%A9',
  '0',
  '-1',
];

/** How a request is broken. Each kind is one issue-8 category. */
type Mutation =
  | { kind: 'wrong-type'; field: number; value: unknown }
  | { kind: 'missing-field'; field: number }
  | { kind: 'extra-field'; key: string; value: unknown }
  | { kind: 'huge-string'; field: number; length: number }
  | { kind: 'unicode'; field: number; value: string }
  | { kind: 'random-json'; value: unknown }
  | { kind: 'deep-nesting'; field: number; depth: number; shape: 'array' | 'object' }
  | { kind: 'invalid-json'; text: string }
  | { kind: 'wrong-content-type'; contentType: string }
  | { kind: 'oversized'; bytes: number }
  | { kind: 'bad-token'; authorization: string }
  | { kind: 'bad-path'; value: string }
  | { kind: 'bad-query'; query: string }
  | { kind: 'bad-forwarded-for'; value: string };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('wrong-type' as const),
    field: fc.nat(),
    value: fc.oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.jsonValue(), { maxLength: 3 }),
      fc.object({ maxDepth: 2 }),
    ),
  }),
  fc.record({ kind: fc.constant('missing-field' as const), field: fc.nat() }),
  fc.record({
    kind: fc.constant('extra-field' as const),
    key: fc.oneof(
      fc.string(),
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'role', 'id', 'isAdmin'),
    ),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({
    kind: fc.constant('huge-string' as const),
    field: fc.nat(),
    length: fc.integer({ min: 5_000, max: 60_000 }),
  }),
  fc.record({
    kind: fc.constant('unicode' as const),
    field: fc.nat(),
    value: fc.oneof(fc.constantFrom(...UNICODE_EDGES), fc.string({ unit: 'binary', maxLength: 40 })),
  }),
  fc.record({ kind: fc.constant('random-json' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({
    kind: fc.constant('deep-nesting' as const),
    field: fc.nat(),
    depth: fc.integer({ min: 100, max: 5_000 }),
    shape: fc.constantFrom('array' as const, 'object' as const),
  }),
  fc.record({
    kind: fc.constant('invalid-json' as const),
    text: fc.oneof(
      fc.constantFrom(
        '{',
        '{"a":',
        "{'a':1}",
        '[1,]',
        'NaN',
        '{"a":1}}',
        '\u0000',
        'nul',
        '"unterminated',
        '{"a":1e999999}',
      ),
      fc.string({ unit: 'binary', maxLength: 60 }),
    ),
  }),
  fc.record({
    kind: fc.constant('wrong-content-type' as const),
    contentType: fc.constantFrom(...BAD_CONTENT_TYPES),
  }),
  fc.record({
    kind: fc.constant('oversized' as const),
    bytes: fc.integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT * 3 }),
  }),
  fc.record({
    kind: fc.constant('bad-token' as const),
    authorization: fc.oneof(
      fc.constantFrom(...BAD_TOKENS),
      fc.string({ maxLength: 200 }).map((s) => `Bearer ${s}`),
    ),
  }),
  fc.record({
    kind: fc.constant('bad-path' as const),
    value: fc.oneof(
      fc.constantFrom(...BAD_PATH_VALUES),
      fc.string({ unit: 'binary', maxLength: 50 }).map(encodeURIComponent),
    ),
  }),
  fc.record({
    kind: fc.constant('bad-query' as const),
    query: fc.oneof(
      fc.constantFrom(
        'a=1&a=2&a[]=3',
        '%ff=%fe',
        'x'.repeat(4000),
        '__proto__[admin]=1',
        'limit=-1&offset=NaN',
        '&&&==&',
      ),
      fc
        .dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }))
        .map((d) => new URLSearchParams(d).toString()),
    ),
  }),
  // The server trusts 127.0.0.1 as a proxy here, so this header decides the client address it stores.
  fc.record({
    kind: fc.constant('bad-forwarded-for' as const),
    value: fc.oneof(
      fc.constantFrom(
        'x'.repeat(100),
        'not-an-ip',
        `::ffff:${'f'.repeat(80)}`,
        `1.2.3.4, ${'a'.repeat(80)}`,
        '999.999.999.999',
        '',
      ),
      fc.string({ maxLength: 120 }),
    ),
  }),
);

/**
 * Issue 8, malformed input: a fast-check property over every operation of the OpenAPI document
 * (so new endpoints are covered automatically), sending wrong types, missing and extra fields,
 * huge strings, invalid JSON, wrong content types, unicode edge cases, oversized bodies, deep
 * nesting, bad tokens, bad path parameters and query strings, and forged X-Forwarded-For addresses
 * (the server trusts loopback as a proxy). Zero 5xx, zero crashes, and every
 * 4xx is JSON with the error shape and a `code` from the registry.
 */
describe(`malformed input (${profile.fuzzRuns} requests)`, () => {
  let server: TestServer;
  let operations: FuzzOperation[];
  let accessToken = '';

  /** A fresh account: fuzzed requests may sign it out, change its password or delete it. */
  const signIn = async () => {
    const response = await server.request('/auth/register', { method: 'POST', json: newCredentials() });
    accessToken = (await readJson<TokenPair>(response)).accessToken;
  };

  beforeAll(async () => {
    server = await startTestServer({
      ...RELAXED_LIMITS,
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      AUTH_SESSION_CACHE_SECONDS: '0',
      TRUSTED_PROXIES: '127.0.0.1',
    });
    operations = operationsOf(await readJson(await server.request('/docs/json')));
    await signIn();
  });
  afterAll(async () => {
    await server?.close();
  });

  // Regression: the address from a forged X-Forwarded-For went unclamped into sessions.ip (varchar(64)).
  it('signs in a client whose forwarded address is long garbage', async () => {
    const response = await server.request('/auth/register', {
      method: 'POST',
      json: newCredentials(),
      headers: { 'x-forwarded-for': `1.2.3.4, ${'x'.repeat(100)}` },
    });
    expect(response.status).toBe(201);
  });

  it('answers every malformed request with a JSON 4xx (or a 2xx), never a 5xx', async () => {
    const perOperation = new Map<string, number>();
    const perKind = new Map<string, number>();
    const perStatus = new Map<number, number>();
    let sent = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        mutationArbitrary,
        fc.boolean(),
        async (operationIndex, mutation, withToken) => {
          const operation = operations[operationIndex % operations.length] as FuzzOperation;
          const raw = buildRequest(operation, mutation, withToken ? accessToken : undefined);
          const response = await sendRaw(server.baseUrl, raw);
          sent++;
          const label = `${operation.method} ${operation.path}`;
          perOperation.set(label, (perOperation.get(label) ?? 0) + 1);
          perKind.set(mutation.kind, (perKind.get(mutation.kind) ?? 0) + 1);
          perStatus.set(response.status, (perStatus.get(response.status) ?? 0) + 1);
          const problem = problemWith(response);
          if (problem) throw new Error(`${label} ${mutation.kind}: ${problem}`);
          // The fuzzed request signed our account out (logout, password change, deletion): start over.
          if (withToken && response.status === 401) await signIn();
        },
      ),
      { numRuns: profile.fuzzRuns },
    );

    console.log(
      `fuzz: ${sent} requests over ${perOperation.size}/${operations.length} operations; by kind ${JSON.stringify(Object.fromEntries(perKind))}; by status ${JSON.stringify(Object.fromEntries(perStatus))}`,
    );
    expect(sent).toBeGreaterThanOrEqual(profile.fuzzRuns);
    expect([...perOperation.keys()].length).toBe(operations.length);
    // Still alive and still talking to its database.
    expect((await server.request('/health/ready')).status).toBe(200);
  });
});

/** Undefined when the answer is acceptable, otherwise what is wrong with it. */
function problemWith(response: RawResponse): string | undefined {
  if (response.status === 0) return `no answer (${response.error})`;
  if (response.status >= 500) return `${response.status} ${response.body.slice(0, 300)}`;
  if (response.status < 400) return undefined;
  if (!response.contentType.startsWith('application/json'))
    return `${response.status} with content-type "${response.contentType}"`;
  try {
    const body = JSON.parse(response.body) as Partial<Record<string, unknown>>;
    // The whole shape, with a code from the registry: Fastify's own bodies (`FST_ERR_BAD_URL`)
    // are UPPER_SNAKE too, and passed the earlier check.
    if (typeof body.code !== 'string' || !Object.hasOwn(errorCodes, body.code))
      return `${response.status} without a registered code: ${response.body.slice(0, 200)}`;
    if (
      body.statusCode !== response.status ||
      typeof body.message !== 'string' ||
      typeof body.requestId !== 'string'
    )
      return `${response.status} without the error shape: ${response.body.slice(0, 200)}`;
  } catch {
    return `${response.status} with a body that is not JSON: ${response.body.slice(0, 200)}`;
  }
  return undefined;
}

function buildRequest(
  operation: FuzzOperation,
  mutation: Mutation,
  accessToken: string | undefined,
): RawRequest {
  const headers: Record<string, string> = {};
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  let path = operation.path.replace(/\{([^}]+)\}/g, () =>
    mutation.kind === 'bad-path' ? mutation.value : crypto.randomUUID(),
  );
  if (mutation.kind === 'bad-path' && operation.pathParameters.length === 0) path += `/${mutation.value}`;
  if (mutation.kind === 'bad-query') path += `?${mutation.query}`;
  if (mutation.kind === 'bad-token') headers.authorization = headerSafe(mutation.authorization);
  if (mutation.kind === 'bad-forwarded-for') headers['x-forwarded-for'] = headerSafe(mutation.value);

  const example = exampleOf(operation.body);
  const record = example !== null && typeof example === 'object' && !Array.isArray(example) ? example : {};
  const body = { ...(record as Record<string, unknown>) };
  const keys = Object.keys(body);
  const fieldAt = (index: number) => keys[index % Math.max(keys.length, 1)] ?? 'field';

  let text: string | undefined = operation.body ? JSON.stringify(body) : undefined;
  switch (mutation.kind) {
    case 'wrong-type':
      text = JSON.stringify({ ...body, [fieldAt(mutation.field)]: mutation.value });
      break;
    case 'missing-field': {
      const { [fieldAt(mutation.field)]: _removed, ...rest } = body;
      text = JSON.stringify(rest);
      break;
    }
    case 'extra-field':
      // Written as text so `__proto__` arrives as an own key, as an attacker would send it.
      text = `{${[...Object.entries(body), [mutation.key, mutation.value] as const]
        .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`)
        .join(',')}}`;
      break;
    case 'huge-string':
      text = JSON.stringify({ ...body, [fieldAt(mutation.field)]: 'A'.repeat(mutation.length) });
      break;
    case 'unicode':
      text = JSON.stringify({ ...body, [fieldAt(mutation.field)]: mutation.value });
      break;
    case 'random-json':
      text = JSON.stringify(mutation.value) ?? 'null';
      break;
    case 'deep-nesting': {
      const [open, close] = mutation.shape === 'array' ? ['[', ']'] : ['{"a":', '}'];
      const nested = `${open.repeat(mutation.depth)}1${close.repeat(mutation.depth)}`;
      text = JSON.stringify({ ...body, [fieldAt(mutation.field)]: '__nested__' }).replace(
        '"__nested__"',
        nested,
      );
      break;
    }
    case 'invalid-json':
      text = mutation.text;
      break;
    case 'oversized':
      text = JSON.stringify({ ...body, padding: 'x'.repeat(mutation.bytes) });
      break;
    default:
      break;
  }
  if (text !== undefined || mutation.kind === 'wrong-content-type') {
    headers['content-type'] =
      mutation.kind === 'wrong-content-type' ? mutation.contentType : 'application/json';
  }
  const payload = text === undefined ? undefined : Buffer.from(text, 'utf8');
  if (payload) headers['content-length'] = String(payload.length);
  // A GET with a body is legal HTTP and a fair thing to throw at the server.
  return { method: operation.method, path, headers, body: payload };
}
