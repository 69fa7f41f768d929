/**
 * The peer every throughput figure is compared with: a raw Fastify server (no logger, no plugins)
 * serving the same JSON as the app. With PRODUCTION_DUTIES=true it also does the per-request work
 * the app does besides being a Nest app, with the app's own code: the API security headers and a
 * request id on every response, and one JSON log line per request at `info` through the same
 * buffered pino logger. That variant is not the target's peer; it splits the gap between the app
 * and raw Fastify into what those duties cost and what Nest costs.
 *
 * GET /health is a constant; GET /auth/me does the same work as the app's route — verify the EdDSA
 * access token with jose (algorithm, issuer and audience pinned) and read the user by primary key
 * with `pg` — and nothing else.
 *
 * Env: HOST, PORT, DATABASE_URL (optional: no /auth/me without it), JWT_PUBLIC_JWK, JWT_ISSUER,
 * JWT_AUDIENCE, PRODUCTION_DUTIES.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { importJWK, type JWK, jwtVerify } from 'jose';
import pg from 'pg';
import { requestIdFor } from '../../../api/src/common/http/request-id.js';
import { API_SECURITY_HEADERS } from '../../../api/src/common/http/security-headers.js';
import { lazyRequestLogger } from '../../../api/src/common/logging/lazy-request-logger.js';
import { createLogger } from '../../../api/src/common/logging/logger.js';
import { RequestLog } from '../../../api/src/common/logging/request-log.js';

interface UserRecord {
  id: string;
  email: string;
  username: string;
  role: 'user' | 'admin';
  email_verified_at: Date | null;
  mfa_enabled_at: Date | null;
  created_at: Date;
}

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const app: FastifyInstance = process.env.PRODUCTION_DUTIES === 'true' ? withProductionDuties() : Fastify();

function withProductionDuties(): FastifyInstance {
  const logger = createLogger({ level: 'info', pretty: false, asynchronous: true });
  const instance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new RequestLog(logger),
    childLoggerFactory: lazyRequestLogger,
    genReqId: requestIdFor,
  });
  instance.addHook('onRequest', (request, reply, done) => {
    reply.headers(API_SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    done();
  });
  return instance;
}

app.get('/health', async () => ({ status: 'ok' }));

const databaseUrl = process.env.DATABASE_URL;
const publicJwk = process.env.JWT_PUBLIC_JWK;
if (databaseUrl && publicJwk) {
  // Same pool size and timeouts as the app's defaults (DATABASE_POOL_MAX=10).
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    connectionTimeoutMillis: 2000,
    statement_timeout: 10_000,
  });
  const key = await importJWK(JSON.parse(publicJwk) as JWK, 'EdDSA');
  const issuer = process.env.JWT_ISSUER ?? 'cloudnest';
  const audience = process.env.JWT_AUDIENCE ?? 'cloudnest-api';
  app.get('/auth/me', async (request, reply) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!token) return reply.code(401).send({ code: 'UNAUTHENTICATED' });
    let subject: string;
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['EdDSA'], issuer, audience });
      if (typeof payload.sub !== 'string') throw new Error('no subject');
      subject = payload.sub;
    } catch {
      return reply.code(401).send({ code: 'INVALID_TOKEN' });
    }
    const { rows } = await pool.query<UserRecord>('select * from users where id = $1', [subject]);
    const user = rows[0];
    if (!user) return reply.code(401).send({ code: 'SESSION_REVOKED' });
    return {
      id: user.id,
      email: user.email,
      username: user.username,
      role: user.role,
      emailVerified: user.email_verified_at !== null,
      mfaEnabled: user.mfa_enabled_at !== null,
      createdAt: user.created_at.toISOString(),
    };
  });
  app.addHook('onClose', async () => {
    await pool.end();
  });
}

process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
await app.listen({ port, host });
