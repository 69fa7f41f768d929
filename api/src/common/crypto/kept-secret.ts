import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The contents of `dataDir/fileName`: a secret generated once (development's JWT key, the
 * two-step sign-in key, the local storage signing key, the embedded PostgreSQL's password) and kept, so restarts and other processes
 * on the same DATA_DIR (the CLIs, a second server) use the same one. A new secret is written to a
 * unique temporary file (mode 0600) and linked into place: link() is atomic and fails when another
 * process won the race, and then both use the winner's — nobody ever reads a half-written file.
 *
 * `shape`, when given, is what a kept value must look like (trimmed): a file an operator edited
 * into something else fails loudly, naming the file. Read as it was, a passphrase in the storage
 * signing key's file decoded as hex to an empty HMAC key, with which anyone could sign upload and
 * download URLs (found in review, 2026-12-07).
 */
export async function keptSecret(
  dataDir: string,
  fileName: string,
  generate: () => string | Promise<string>,
  shape?: { readonly pattern: RegExp; readonly description: string },
): Promise<string> {
  const file = join(dataDir, fileName);
  const existing = await readIfPresent(file);
  if (existing !== undefined) {
    if (shape && !shape.pattern.test(existing.trim())) {
      throw new Error(
        `${file} must hold ${shape.description}; delete it to have a new one generated (what it signed or sealed stops working).`,
      );
    }
    return existing;
  }
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
