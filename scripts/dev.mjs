#!/usr/bin/env node
// `npm run dev`: the API (http://127.0.0.1:3001/api, embedded PostgreSQL, mail in the dev outbox)
// and the web app (`next dev` on http://localhost:3000, proxying /api to the API) together.
// Ctrl-C stops both; when either exits, the other is stopped too. Ports: API_PORT, WEB_PORT.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const apiPort = process.env.API_PORT ?? '3001';
const webPort = process.env.WEB_PORT ?? '3000';
const webOrigin = `http://localhost:${webPort}`;

const services = [
  {
    name: 'api',
    color: 36,
    args: ['--import', 'tsx', 'api/src/main.ts'],
    cwd: root,
    env: {
      NODE_ENV: 'development',
      PORT: apiPort,
      API_PREFIX: '/api',
      // Mail links and signed upload URLs point at the web origin, which proxies /api.
      PUBLIC_BASE_URL: webOrigin,
      API_BASE_URL: webOrigin,
    },
  },
  {
    name: 'web',
    color: 35,
    args: [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'dev', '-p', webPort],
    cwd: join(root, 'web'),
    env: { NODE_ENV: 'development', API_ORIGIN: `http://127.0.0.1:${apiPort}` },
  },
];

let stopping = false;
/** The exit code of the first service that stopped on its own, if one did. */
let firstExitCode;
const children = services.map((service) => {
  // Own process group: a signal reaches the service and everything it started (PostgreSQL, Next's workers).
  const child = spawn(process.execPath, service.args, {
    cwd: service.cwd,
    env: { ...process.env, ...service.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const prefix = `\x1b[${service.color}m[${service.name}]\x1b[0m `;
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.on('data', (chunk) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.once('exit', (code, signal) => {
    process.stdout.write(`${prefix}exited (${signal ?? code})\n`);
    // The first service to stop on its own decides the exit code (EADDRINUSE, a crash); the ones
    // stopped after it by our SIGINT do not turn a failure into 0 (found in review, 2026-12-07).
    if (!stopping) firstExitCode = code ?? 1;
    stopAll(firstExitCode ?? code ?? 0);
  });
  return child;
});

process.stdout.write(`web: ${webOrigin}  api: http://127.0.0.1:${apiPort}/api  (Ctrl-C stops both)\n`);

function stopAll(exitCode) {
  if (!stopping) {
    stopping = true;
    for (const child of children) signal(child, 'SIGINT');
    // The API drains requests and stops PostgreSQL; give up on stragglers after 15 s.
    setTimeout(() => {
      for (const child of children) signal(child, 'SIGKILL');
    }, 15_000).unref();
  }
  if (children.every((child) => child.exitCode !== null || child.signalCode !== null)) process.exit(exitCode);
}

function signal(child, name) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, name);
  } catch {
    // Already gone.
  }
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
// A closed terminal: the services run in process groups of their own, which its SIGHUP does not
// reach, so they kept their ports and PostgreSQL running (found in review, 2026-12-07).
process.on('SIGHUP', () => stopAll(0));
