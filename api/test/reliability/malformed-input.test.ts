import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/common/errors/error-codes.js';
import {
  bearer,
  newCredentials,
  RELAXED_LIMITS,
  readJson,
  registerAdmin,
  registerUser,
  type TokenPair,
} from '../support/auth-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  badValuesFor,
  exampleOf,
  type FuzzOperation,
  type FuzzParameter,
  operationsOf,
} from './openapi-operations.js';
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
  | { kind: 'bad-forwarded-for'; value: string }
  | {
      kind: 'bad-parameter';
      parameter: number;
      value: ParameterValue;
      form: 'single' | 'repeated' | 'bracket';
    };

/**
 * A value for one documented path or query parameter: one aimed at its schema (`badValuesFor`:
 * wrong type, out of range, too long, not in the enum or pattern), or a hostile one (unicode edge
 * cases, invalid UTF-8, huge), already percent-encoded.
 */
type ParameterValue = { aimed: number } | { encoded: string };

/** Keys a mass-assignment attack sends, and values that would mean "make me an admin". */
const PRIVILEGED_KEYS = ['__proto__', 'constructor', 'prototype', 'role', 'id', 'isAdmin'];
const PRIVILEGED_VALUES = ['admin', true, { role: 'admin', isAdmin: true }];

/** Mutations that break the JSON body an operation documents (its validation's input). */
const bodyMutations: fc.Arbitrary<Mutation>[] = [
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
    key: fc.oneof(fc.string(), fc.constantFrom(...PRIVILEGED_KEYS)),
    value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...PRIVILEGED_VALUES)),
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
];

/** Mutations of everything around the operation's own inputs: framing, headers, URL, size. */
const transportMutations: fc.Arbitrary<Mutation>[] = [
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
      fc.string({ unit: 'binary', maxLength: 50 }).map(percentEncode),
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
];

/** Percent-encoded sequences no encoder produces from a string: invalid and overlong UTF-8, a surrogate. */
const INVALID_ENCODINGS = ['%ff%fe', '%C0%AF', '%E0%80%80', '%ED%A0%80', '%F4%90%80%80', '%', '%zz', '%00'];

const badParameter: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constant('bad-parameter' as const),
  parameter: fc.nat(),
  value: fc.oneof(
    { weight: 4, arbitrary: fc.record({ aimed: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.constantFrom(...UNICODE_EDGES), fc.string({ unit: 'binary', maxLength: 40 }))
        .map((text) => ({ encoded: percentEncode(text) })),
    },
    { weight: 1, arbitrary: fc.constantFrom(...INVALID_ENCODINGS).map((encoded) => ({ encoded })) },
    {
      weight: 1,
      // Past 16 KiB the whole request line is refused (431 HEADERS_TOO_LARGE) before any route.
      arbitrary: fc.integer({ min: 500, max: 20_000 }).map((length) => ({ encoded: 'A'.repeat(length) })),
    },
  ),
  // Repeated (`limit=1&limit=x`) arrives as an array; `limit[]=x` as another, undocumented name.
  form: fc.oneof(
    { weight: 6, arbitrary: fc.constant('single' as const) },
    { weight: 3, arbitrary: fc.constant('repeated' as const) },
    { weight: 1, arbitrary: fc.constant('bracket' as const) },
  ),
});

/**
 * The mutations for one operation. Every kind is sent to every operation, but most of the runs
 * break what the operation itself reads (its JSON body, its documented parameters), so each one's
 * validation is reached many times over: the test requires it.
 */
function mutationsFor(operation: FuzzOperation): fc.Arbitrary<Mutation> {
  const parameterCount = operation.pathParameters.length + operation.queryParameters.length;
  const bodyWeight = operation.body ? 2 : 1;
  const weighted = [
    ...bodyMutations.map((arbitrary) => ({ arbitrary, weight: bodyWeight })),
    ...transportMutations.map((arbitrary) => ({ arbitrary, weight: 1 })),
  ];
  // Without a body, two runs in three break a parameter (a GET ignores the body mutations).
  if (parameterCount > 0) weighted.push({ arbitrary: badParameter, weight: operation.body ? 7 : 28 });
  return fc.oneof(...weighted);
}

/** Whose access token a request carries. */
type Account = 'none' | 'user' | 'admin';

/**
 * `fitting` is the account the operation is for (the admin on admin routes, the ordinary user on
 * other signed-in routes, none on public ones): most runs use it, so requests get past the
 * authentication and role checks to validation. `other` is the wrong one (the ordinary user on
 * admin routes, the admin elsewhere) and `none` sends no token.
 */
const accountArbitrary = fc.oneof(
  { weight: 17, arbitrary: fc.constant('fitting' as const) },
  { weight: 2, arbitrary: fc.constant('other' as const) },
  { weight: 1, arbitrary: fc.constant('none' as const) },
);

function accountFor(operation: FuzzOperation, choice: 'fitting' | 'other' | 'none'): Account {
  if (choice === 'none') return 'none';
  if (operation.admin) return choice === 'fitting' ? 'admin' : 'user';
  if (operation.bearer) return choice === 'fitting' ? 'user' : 'admin';
  return choice === 'fitting' ? 'none' : 'user';
}

/** What every validation pipe answers with (ValidBody/ValidQuery/ValidParams, zod-validation.pipe.ts). */
const VALIDATION_CODE = 'VALIDATION_FAILED';

/**
 * Issue 8, malformed input: a fast-check property over every operation of the OpenAPI document
 * (so new endpoints are covered automatically), sending wrong types, missing and extra fields,
 * huge strings, invalid JSON, wrong content types, unicode edge cases, oversized bodies, deep
 * nesting, bad tokens, bad path parameters and query strings, wrong values for each documented
 * parameter, and forged X-Forwarded-For addresses (the server trusts loopback as a proxy), as no
 * one, an ordinary user and an administrator. Zero 5xx, zero crashes, every 4xx is JSON with the
 * error shape and a `code` from the registry that the operation's document lists; every
 * operation that takes a body or a query reaches its validation; an oversized JSON body is 413;
 * an extra `role` grants nothing.
 */
describe(`malformed input (${profile.fuzzRuns} requests)`, () => {
  let server: TestServer;
  let operations: FuzzOperation[];
  const tokens: Record<Exclude<Account, 'none'>, string> = { user: '', admin: '' };
  /** Every administrator the test made; no other account may become one. */
  const adminIds = new Set<string>();

  /** A fresh account: fuzzed requests may sign it out, change its password or delete it. */
  const signIn = async (account: Exclude<Account, 'none'>) => {
    if (account === 'admin') {
      const admin = await registerAdmin(server);
      adminIds.add(admin.tokens.user.id);
      tokens.admin = admin.tokens.accessToken;
    } else {
      tokens.user = (await registerUser(server)).tokens.accessToken;
    }
  };
  const roleOf = async (accessToken: string) => {
    const response = await server.request('/auth/me', { headers: bearer(accessToken) });
    return response.status === 200 ? (await readJson<{ role: string }>(response)).role : undefined;
  };

  beforeAll(async () => {
    server = await startTestServer({
      ...RELAXED_LIMITS,
      BODY_LIMIT_BYTES: String(BODY_LIMIT),
      AUTH_SESSION_CACHE_SECONDS: '0',
      TRUSTED_PROXIES: '127.0.0.1',
    });
    operations = operationsOf(await readJson(await server.request('/docs/json')));
    await signIn('user');
    await signIn('admin');
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

  it('makes no admin of a client that asks to be one', async () => {
    // Unknown keys are refused (strict schemas); a `__proto__` key already by the JSON parser. If
    // either were ever accepted, the account must still be an ordinary one.
    const asks = [
      { extra: '"role":"admin","isAdmin":true', refusedWith: VALIDATION_CODE },
      { extra: '"__proto__":{"role":"admin","isAdmin":true}', refusedWith: 'INVALID_JSON' },
    ];
    for (const { extra, refusedWith } of asks) {
      // As text, so `__proto__` arrives as an own key.
      const registered = await server.request('/auth/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `${JSON.stringify(newCredentials()).slice(0, -1)},${extra}}`,
      });
      if (registered.status === 201) {
        const { accessToken } = await readJson<TokenPair>(registered);
        expect(await roleOf(accessToken)).toBe('user');
        expect((await server.request('/admin/users', { headers: bearer(accessToken) })).status).toBe(403);
      } else {
        expect(registered.status).toBe(400);
        expect(await readJson<{ code: string }>(registered)).toMatchObject({ code: refusedWith });
      }
    }
    const { tokens: user } = await registerUser(server);
    const patched = await server.request('/users/me', {
      method: 'PATCH',
      headers: bearer(user.accessToken),
      json: { role: 'admin', isAdmin: true },
    });
    expect(patched.status).toBe(400);
    expect(await roleOf(user.accessToken)).toBe('user');
    expect((await server.request('/admin/users', { headers: bearer(user.accessToken) })).status).toBe(403);
  });

  it('answers every malformed request with a JSON 4xx (or a 2xx), never a 5xx', async () => {
    const perOperation = new Map<string, number>();
    const perKind = new Map<string, number>();
    const perStatus = new Map<number, number>();
    const perAccount = new Map<Account, number>();
    /** Requests answered 400 VALIDATION_FAILED, by operation. */
    const validated = new Map<string, number>();
    /** Codes answered that the operation's document does not list, as "operation code (mutation)". */
    const undocumented = new Set<string>();
    /** Operations that refused the ordinary user with FORBIDDEN but are not marked admin-only. */
    const unmarkedAdmin = new Set<string>();
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).join();
    let privilegeChecks = 0;
    let sent = 0;
    const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

    /** No account other than the test's own administrators is an admin. */
    const assertNoNewAdmin = async (label: string) => {
      privilegeChecks++;
      const admins = await server.database.db
        .selectFrom('users')
        .select('id')
        .where('role', '=', 'admin')
        .execute();
      const gained = admins.filter((row) => !adminIds.has(row.id)).map((row) => row.id);
      if (gained.length > 0) throw new Error(`${label}: these accounts became admin: ${gained.join(', ')}`);
    };

    // So that an admin made before (by the test above) is not blamed on a fuzzed request.
    await assertNoNewAdmin('before the fuzzing');
    // Each operation gets its share of the runs, so coverage does not hang on the draw.
    const runsPerOperation = Math.ceil(profile.fuzzRuns / operations.length);
    for (const operation of operations) {
      const label = `${operation.method} ${operation.path}`;
      await fc.assert(
        fc.asyncProperty(mutationsFor(operation), accountArbitrary, async (mutation, choice) => {
          const account = accountFor(operation, choice);
          const token = account === 'none' ? undefined : tokens[account];
          const raw = buildRequest(operation, mutation, token);
          const response = await sendRaw(server.baseUrl, raw);
          sent++;
          bump(perOperation, label);
          bump(perKind, mutation.kind);
          bump(perStatus, response.status);
          bump(perAccount, account);
          const { problem, body } = inspect(response);
          const where = `${label} ${mutation.kind} as ${account}`;
          if (problem) throw new Error(`${where}: ${problem}`);
          if (response.status === 400 && body?.code === VALIDATION_CODE) bump(validated, label);
          // The document is what clients are generated from: a code it does not list for the
          // operation is one a generated client cannot tell its user about.
          if (
            response.status >= 400 &&
            typeof body?.code === 'string' &&
            !operation.errors.includes(body.code)
          )
            undocumented.add(`${label} ${body.code} (${mutation.kind})`);
          // The body limit is checked before anything else reads the body, signed in or not.
          if (
            mutation.kind === 'oversized' &&
            operation.body &&
            (response.status !== 413 || body?.code !== 'PAYLOAD_TOO_LARGE')
          )
            throw new Error(`${where}: ${response.status} ${body?.code}, not 413 PAYLOAD_TOO_LARGE`);
          if (
            !operation.admin &&
            account === 'user' &&
            mutation.kind !== 'bad-token' &&
            body?.code === 'FORBIDDEN'
          )
            unmarkedAdmin.add(label);
          if (Object.getOwnPropertyNames(Object.prototype).join() !== prototypeKeys)
            throw new Error(`${where}: Object.prototype was polluted`);
          // Mass assignment: an accepted request with an extra `role`, `isAdmin`, `__proto__`, …
          // must not have made anyone an admin, least of all an account it signed in.
          if (mutation.kind === 'extra-field' && response.status < 300) {
            await assertNoNewAdmin(where);
            const signedIn = body?.accessToken;
            if (typeof signedIn === 'string' && (await roleOf(signedIn)) === 'admin')
              throw new Error(`${where}: the account it signed in is an admin`);
          }
          // The fuzzed request may have signed our account out (logout, password change, deletion).
          if (token && mutation.kind !== 'bad-token' && response.status === 401 && !(await roleOf(token)))
            await signIn(account as Exclude<Account, 'none'>);
        }),
        { numRuns: runsPerOperation },
      );
    }
    await assertNoNewAdmin('after the fuzzing');

    const needValidation = operations
      .filter((operation) => operation.body !== undefined || operation.queryParameters.length > 0)
      .map((operation) => `${operation.method} ${operation.path}`);
    const leastValidated = needValidation
      .map((label) => `${validated.get(label) ?? 0}/${perOperation.get(label) ?? 0} ${label}`)
      .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
      .slice(0, 3);
    console.log(
      `fuzz: ${sent} requests over ${perOperation.size}/${operations.length} operations; ` +
        `validation reached on ${needValidation.filter((label) => validated.has(label)).length}/${needValidation.length} operations with a body or query (fewest: ${leastValidated.join(', ')}); ` +
        `${privilegeChecks} privilege checks; by account ${JSON.stringify(Object.fromEntries(perAccount))}; ` +
        `by kind ${JSON.stringify(Object.fromEntries(perKind))}; by status ${JSON.stringify(Object.fromEntries(perStatus))}`,
    );
    expect(sent).toBeGreaterThanOrEqual(profile.fuzzRuns);
    expect([...perOperation.keys()].length).toBe(operations.length);
    // Coverage means validation reached, not requests sent: a route behind a check the fuzzer
    // never passes (an admin route fuzzed as an ordinary user) would otherwise count as covered.
    expect(
      needValidation.filter((label) => !validated.has(label)),
      'operations that never reached validation',
    ).toEqual([]);
    expect([...unmarkedAdmin], 'FORBIDDEN to the ordinary user but not marked admin-only').toEqual([]);
    expect([...undocumented].sort(), 'error codes the OpenAPI document does not list').toEqual([]);
    expect(perAccount.get('admin') ?? 0).toBeGreaterThan(0);
    // Still alive and still talking to its database.
    expect((await server.request('/health/ready')).status).toBe(200);
  });
});

/** The problem with an answer (undefined when acceptable), and its JSON body when it has one. */
function inspect(response: RawResponse): { problem?: string; body?: Partial<Record<string, unknown>> } {
  if (response.status === 0) return { problem: `no answer (${response.error})` };
  if (response.status >= 500) return { problem: `${response.status} ${response.body.slice(0, 300)}` };
  let body: Partial<Record<string, unknown>> | undefined;
  if (response.contentType.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(response.body);
      if (parsed !== null && typeof parsed === 'object') body = parsed as Partial<Record<string, unknown>>;
    } catch {
      if (response.status >= 400)
        return { problem: `${response.status} with a body that is not JSON: ${response.body.slice(0, 200)}` };
    }
  }
  if (response.status < 400) return { body };
  if (!response.contentType.startsWith('application/json'))
    return { problem: `${response.status} with content-type "${response.contentType}"` };
  // The whole shape, with a code from the registry: Fastify's own bodies (`FST_ERR_BAD_URL`)
  // are UPPER_SNAKE too, and passed the earlier check.
  if (typeof body?.code !== 'string' || !Object.hasOwn(errorCodes, body.code))
    return { problem: `${response.status} without a registered code: ${response.body.slice(0, 200)}` };
  if (
    body.statusCode !== response.status ||
    typeof body.message !== 'string' ||
    typeof body.requestId !== 'string'
  )
    return { problem: `${response.status} without the error shape: ${response.body.slice(0, 200)}` };
  return { body };
}

/** Every byte of the UTF-8 encoding percent-encoded except unreserved ones (never throws, unlike encodeURIComponent on a lone surrogate). */
function percentEncode(text: string): string {
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** A valid-looking value for a parameter (what an honest client would send), percent-encoded. */
function exampleParameter(parameter: FuzzParameter): string {
  if (parameter.schema?.format === 'uuid') return crypto.randomUUID();
  return percentEncode(String(exampleOf(parameter.schema) ?? 'x'));
}

function buildRequest(
  operation: FuzzOperation,
  mutation: Mutation,
  accessToken: string | undefined,
): RawRequest {
  const headers: Record<string, string> = {};
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;

  const parameters = [...operation.pathParameters, ...operation.queryParameters];
  const target =
    mutation.kind === 'bad-parameter' ? parameters[mutation.parameter % parameters.length] : undefined;
  let targetValue = '';
  if (mutation.kind === 'bad-parameter' && target) {
    if ('aimed' in mutation.value) {
      const aimed = badValuesFor(target.schema);
      targetValue = percentEncode(aimed[mutation.value.aimed % aimed.length] ?? '');
    } else {
      targetValue = mutation.value.encoded;
    }
  }

  let path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (mutation.kind === 'bad-path') return mutation.value;
    if (target?.in === 'path' && target.name === name) return targetValue;
    return crypto.randomUUID();
  });
  if (mutation.kind === 'bad-path' && operation.pathParameters.length === 0) path += `/${mutation.value}`;

  // Required query parameters get an honest value, except the one being broken.
  const query: string[] = [];
  for (const parameter of operation.queryParameters) {
    const name = percentEncode(parameter.name);
    if (parameter === target && mutation.kind === 'bad-parameter') {
      if (mutation.form === 'repeated')
        query.push(`${name}=${exampleParameter(parameter)}`, `${name}=${targetValue}`);
      else if (mutation.form === 'bracket') query.push(`${name}%5B%5D=${targetValue}`);
      else query.push(`${name}=${targetValue}`);
    } else if (parameter.required) {
      query.push(`${name}=${exampleParameter(parameter)}`);
    }
  }
  if (mutation.kind === 'bad-query') query.push(mutation.query);
  if (query.length > 0) path += `?${query.join('&')}`;
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
