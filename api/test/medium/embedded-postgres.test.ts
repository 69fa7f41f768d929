import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { freePort } from '../support/server-process.js';

describe('EmbeddedPostgres', () => {
  const dataDirs: string[] = [];
  afterAll(async () => {
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  });

  // An initialisation directory is removed only once it is older than an initdb takes: a fresh one
  // may be a concurrent first start's, still building.
  it('removes an abandoned initialisation and leaves a concurrent one alone', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-pg-concurrent-'));
    dataDirs.push(dataDir);
    const abandoned = join(dataDir, 'postgres.init-abandoned');
    const concurrent = join(dataDir, 'postgres.init-concurrent');
    await mkdir(abandoned, { mode: 0o700 });
    await mkdir(concurrent, { mode: 0o700 });
    const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000);
    await utimes(abandoned, elevenMinutesAgo, elevenMinutesAgo);
    const server = await EmbeddedPostgres.start({ dataDir, ephemeral: true });
    await server.stop();
    const left = (await readdir(dataDir)).filter((name) => name.includes('.init-'));
    expect(left).toEqual(['postgres.init-concurrent']);
  });

  it('restarts a stopped cluster on the port it asked for, keeping its data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-pg-port-'));
    dataDirs.push(dataDir);
    const port = await freePort();
    const first = await EmbeddedPostgres.start({ dataDir, ephemeral: true, port });
    try {
      expect(first.port).toBe(port);
      await first.ensureDatabase('kept');
    } finally {
      await first.stop();
    }
    const second = await EmbeddedPostgres.start({ dataDir, ephemeral: true, port });
    try {
      expect(second.url('kept')).toBe(first.url('kept'));
      const client = new pg.Client({ connectionString: second.url('kept') });
      await client.connect();
      const { rows } = await client.query<{ answer: number }>('select 42 as answer');
      await client.end();
      expect(rows[0]?.answer).toBe(42);
    } finally {
      await second.stop();
    }
  });

  // Found in review (2026-12-07): initdb writes PG_VERSION first, so a first start killed during
  // initdb left a directory every later start took for a cluster and failed on.
  it('initialises again over a cluster an interrupted initdb left unfinished', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-pg-unfinished-'));
    dataDirs.push(dataDir);
    const first = await EmbeddedPostgres.start({ dataDir, ephemeral: true });
    const major = (await readFile(join(dataDir, 'postgres', 'PG_VERSION'), 'utf8')).trim();
    await first.stop();
    // What initdb has written a moment after it began.
    await rm(join(dataDir, 'postgres'), { recursive: true, force: true });
    await mkdir(join(dataDir, 'postgres'), { mode: 0o700 });
    await writeFile(join(dataDir, 'postgres', 'PG_VERSION'), `${major}\n`);
    const logged: string[] = [];
    const again = await EmbeddedPostgres.start({
      dataDir,
      ephemeral: true,
      log: (line) => logged.push(line),
    });
    try {
      await again.ensureDatabase('after_unfinished');
      const client = new pg.Client({ connectionString: again.url('after_unfinished') });
      await client.connect();
      await client.end();
      expect(logged.join('\n')).toContain('unfinished initialisation');
    } finally {
      await again.stop();
    }
    // Nothing of the build is left beside the cluster.
    expect((await readdir(dataDir)).filter((name) => name.includes('.init-'))).toEqual([]);
  });

  // Found in review (2026-12-07): after a reboot the pid in a postmaster.pid left by a killed
  // server belongs to some other live process, and both this class and PostgreSQL took the file
  // for a running server, so every start failed until it was deleted by hand.
  describe('a postmaster.pid naming a live process that is not PostgreSQL', () => {
    /** A stopped cluster whose lock names `pid`, written at `writtenAt`. */
    async function clusterLockedBy(
      pid: number,
      writtenAt: Date,
    ): Promise<{ dataDir: string; lockFile: string }> {
      const dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-pg-stale-lock-'));
      dataDirs.push(dataDir);
      const lockFile = join(dataDir, 'postgres', 'postmaster.pid');
      const first = await EmbeddedPostgres.start({ dataDir, ephemeral: true });
      const lock = await readFile(lockFile, 'utf8');
      await first.stop();
      const [, ...rest] = lock.split('\n');
      await writeFile(lockFile, [String(pid), ...rest].join('\n'));
      await utimes(lockFile, writtenAt, writtenAt);
      return { dataDir, lockFile };
    }
    const bootedAt = async () => {
      const btime = (await readFile('/proc/stat', 'utf8')).match(/^btime (\d+)$/m)?.[1];
      return new Date(Number(btime) * 1000);
    };
    let unrelated: ChildProcess;
    beforeAll(() => {
      unrelated = spawn('sleep', ['120'], { stdio: 'ignore' });
    });
    afterAll(() => {
      unrelated?.kill();
    });

    it('starts over one left from before this boot: its pid was reused', async () => {
      const beforeBoot = new Date((await bootedAt()).getTime() - 60_000);
      const { dataDir, lockFile } = await clusterLockedBy(unrelated.pid as number, beforeBoot);
      const again = await EmbeddedPostgres.start({ dataDir, ephemeral: true });
      try {
        await again.ensureDatabase('after_stale_lock');
        expect(Number((await readFile(lockFile, 'utf8')).split('\n')[0])).not.toBe(unrelated.pid);
      } finally {
        await again.stop();
      }
      expect(unrelated.exitCode).toBeNull();
    });

    // The same pid in another PID namespace (a second container on the DATA_DIR) may be its server.
    it('refuses one written since the boot, saying which file to delete if nothing else uses it', async () => {
      const { dataDir, lockFile } = await clusterLockedBy(unrelated.pid as number, new Date());
      await expect(EmbeddedPostgres.start({ dataDir, ephemeral: true })).rejects.toThrow(
        `${lockFile} names pid ${unrelated.pid}, which is running but is not PostgreSQL here`,
      );
      expect(await readFile(lockFile, 'utf8')).toMatch(new RegExp(`^${unrelated.pid}\n`));
    });
  });

  it('refuses a cluster of another PostgreSQL major version, saying what to do', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cloudnest-pg-version-'));
    dataDirs.push(dataDir);
    const server = await EmbeddedPostgres.start({ dataDir, ephemeral: true });
    await server.stop();
    const versionFile = join(dataDir, 'postgres', 'PG_VERSION');
    const major = (await readFile(versionFile, 'utf8')).trim();
    // What a DATA_DIR made by an earlier (or later) embedded-postgres release holds.
    await writeFile(versionFile, `${Number(major) - 1}\n`);
    await expect(EmbeddedPostgres.start({ dataDir, ephemeral: true })).rejects.toThrow(
      `holds a PostgreSQL ${Number(major) - 1} cluster, but the embedded server is PostgreSQL ${major}`,
    );
    await writeFile(versionFile, `${major}\n`);
    const again = await EmbeddedPostgres.start({ dataDir, ephemeral: true });
    await again.stop();
  });
});
