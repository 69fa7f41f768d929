// Vitest global setup shared by every workspace's test configuration: the run's temporary files go
// into one fresh directory, deleted when the run ends. Tests and the processes they start take
// their temporary paths from os.tmpdir(), which reads TMPDIR; without this a full `npm test` left
// ~130 directories in /tmp (CDK apps without an outdir, per-test data directories, dev key files).
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @returns {Promise<() => Promise<void>>} the teardown */
export default async function setup() {
  const previous = process.env.TMPDIR;
  const dir = await mkdtemp(join(tmpdir(), 'cloudnest-test-run-'));
  // The embedded PostgreSQL runs as an unprivileged user and must reach its data directory in here.
  await chmod(dir, 0o755);
  process.env.TMPDIR = dir;
  return async () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await rm(dir, { recursive: true, force: true });
  };
}
