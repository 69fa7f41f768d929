import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The contents of `dataDir/fileName`: a secret generated once (development's JWT key, the
 * two-step sign-in key, the local storage signing key) and kept, so restarts and other processes
 * on the same DATA_DIR (the CLIs, a second server) use the same one. A new secret is written to a
 * unique temporary file (mode 0600) and linked into place: link() is atomic and fails when another
 * process won the race, and then both use the winner's — nobody ever reads a half-written file.
 */
export async function keptSecret(
  dataDir: string,
  fileName: string,
  generate: () => string | Promise<string>,
): Promise<string> {
  const file = join(dataDir, fileName);
  const existing = await readIfPresent(file);
  if (existing !== undefined) return existing;
  await mkdir(dataDir, { recursive: true });
  const candidate = `${file}.${randomBytes(6).toString('hex')}`;
  await writeFile(candidate, await generate(), { mode: 0o600 });
  try {
    await link(candidate, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(candidate, { force: true });
  }
  return readFile(file, 'utf8');
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
