import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  httpStatus,
  isProcessAlive,
  postmasterPid,
  postmasterStatus,
  spawnServer,
  waitFor,
} from '../support/server-process.js';

/**
 * The real `npm start` path: main.ts with no DATABASE_URL starts an embedded PostgreSQL under
 * DATA_DIR, migrates, serves, and never leaves a postgres process behind.
 */
describe('server process with embedded PostgreSQL', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-server-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves readiness, then stops PostgreSQL on SIGINT and exits 0', async () => {
    const port = await freePort();
    const server = spawnServer({ DATA_DIR: dataDir, PORT: String(port), NODE_ENV: 'development' });
    await waitFor(
      async () => (await httpStatus(`http://127.0.0.1:${port}/health/ready`)) === 200,
      60_000,
      'readiness',
    );
    const pgPid = postmasterPid(dataDir);
    expect(isProcessAlive(pgPid)).toBe(true);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(isProcessAlive(pgPid)).toBe(false);
    expect(server.output()).toContain('embedded PostgreSQL stopped');
  });

  it('lets a command-line task use the running server’s PostgreSQL, while a second server is refused', async () => {
    const port = await freePort();
    const server = spawnServer({ DATA_DIR: dataDir, PORT: String(port), NODE_ENV: 'development' });
    const ready = `http://127.0.0.1:${port}/health/ready`;
    await waitFor(async () => (await httpStatus(ready)) === 200, 30_000, 'readiness on an existing cluster');
    const pgPid = postmasterPid(dataDir);

    const migrate = spawnServer({ DATA_DIR: dataDir, NODE_ENV: 'development' }, [
      '--import',
      'tsx',
      'src/database/migrate.cli.ts',
      'status',
    ]);
    expect(await migrate.exited, migrate.output()).toBe(0);
    expect(migrate.output()).toContain('using the embedded PostgreSQL a running CloudNest process started');
    expect(migrate.output()).toMatch(/applied {2}0001_users/);
    // The task neither stopped nor replaced the server's PostgreSQL.
    expect(postmasterPid(dataDir)).toBe(pgPid);
    expect(await httpStatus(ready)).toBe(200);

    // A second API process would lose its database when the first one stops: it is refused.
    const second = spawnServer({
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      NODE_ENV: 'development',
    });
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toContain('A PostgreSQL server is still running on');

    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(isProcessAlive(pgPid)).toBe(false);
  });

  it('reports the database down (503) when PostgreSQL dies under it', async () => {
    const port = await freePort();
    const server = spawnServer({ DATA_DIR: dataDir, PORT: String(port), NODE_ENV: 'development' });
    const ready = `http://127.0.0.1:${port}/health/ready`;
    await waitFor(async () => (await httpStatus(ready)) === 200, 30_000, 'readiness on an existing cluster');
    const pgPid = postmasterPid(dataDir);

    process.kill(pgPid, 'SIGINT');
    const explain = (error: unknown) => {
      throw new Error(`${String(error)}\n--- server output ---\n${server.output().slice(-4000)}`);
    };
    await waitFor(async () => (await httpStatus(ready)) === 503, 10_000, 'readiness to report 503').catch(
      explain,
    );
    const body = await fetch(ready)
      .then((response) => response.json())
      .catch(explain);
    expect(body).toEqual({ status: 'error', checks: { database: 'down' } });
    // The process survives its database going away.
    expect(server.child.exitCode).toBeNull();
    server.child.kill('SIGKILL');
    await server.exited;
  });

  it('never leaves PostgreSQL running when Node is killed with SIGKILL', async () => {
    const port = await freePort();
    const server = spawnServer({ DATA_DIR: dataDir, PORT: String(port), NODE_ENV: 'development' });
    await waitFor(
      async () => (await httpStatus(`http://127.0.0.1:${port}/health/ready`)) === 200,
      30_000,
      'readiness',
    );
    const pgPid = postmasterPid(dataDir);
    server.child.kill('SIGKILL');
    await server.exited;
    await waitFor(() => !isProcessAlive(pgPid), 10_000, 'the watchdog to stop PostgreSQL');
  });

  // Found in review (2026-12-07): the watchdog started only once PostgreSQL was ready, so a
  // Ctrl-C or kill during its start-up (a second or more after a crash) left an orphan server that
  // refused every later start.
  it('guards PostgreSQL with its watchdog from the moment it is spawned, not once it is ready', async () => {
    const port = await freePort();
    const server = spawnServer({ DATA_DIR: dataDir, PORT: String(port), NODE_ENV: 'development' });
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    // The first moment the server exists: its pid file, usually long before it is ready.
    await waitFor(() => existsSync(pidFile) && postmasterPid(dataDir) > 0, 30_000, 'postmaster.pid', 5);
    const pgPid = postmasterPid(dataDir);
    const watchdogRuns = () =>
      readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .some((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(
              `pg-watchdog\0${server.child.pid}\0${pgPid}`,
            );
          } catch {
            return false; // the process ended meanwhile
          }
        });
    // Node spawns the watchdog right after PostgreSQL (it needs its pid), and PostgreSQL can write
    // its pid file in between: on a loaded machine the first look came a moment too early (CI,
    // 2026-12-08). What matters is that it runs before PostgreSQL accepts connections, which the
    // pid file's status line says.
    let statusWhenSeen: string | undefined;
    await waitFor(
      () => {
        statusWhenSeen = postmasterStatus(dataDir);
        return watchdogRuns();
      },
      5_000,
      'the watchdog',
      5,
    );
    expect(statusWhenSeen).not.toBe('ready');
    server.child.kill('SIGKILL');
    await server.exited;
    await waitFor(() => !isProcessAlive(pgPid), 10_000, 'the watchdog to stop PostgreSQL');
  });

  // Found in review (2026-12-07): a DATA_DIR the embedded PostgreSQL cannot use ended in a bare
  // stack trace naming no variable.
  it('exits non-zero naming DATA_DIR when the embedded PostgreSQL cannot use it', async () => {
    const notADirectory = join(dataDir, 'a-file');
    writeFileSync(notADirectory, 'not a directory');
    const server = spawnServer({ DATA_DIR: join(notADirectory, 'data'), PORT: String(await freePort()) });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain(
      `Could not start the embedded PostgreSQL in DATA_DIR=${notADirectory}/data`,
    );
  });

  it('exits non-zero naming the variable when the configuration is invalid', async () => {
    const server = spawnServer({ DATA_DIR: dataDir, PORT: 'abc' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('Invalid environment: PORT must be an integer 1-65535');
  });
});
