import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser build); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium, quiet (no background downloads or updates), sandbox off as root. Playwright
 * gives every launch a fresh `--user-data-dir` of its own (a temporary profile it deletes on close;
 * it refuses the flag in `args`), and each `newContext()` is a separate cookie jar: a second device.
 */
export function launchBrowser(): Promise<Browser> {
  ensureChromium();
  const args = [
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args, timeout: 30_000 });
}

/**
 * `npm test` must pass on a fresh machine with nothing installed by hand, so a missing Chromium
 * is installed from Debian's packages when we can (as root), as `.ci/run` does; otherwise the
 * test fails with the command to run.
 */
function ensureChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  if (process.env.CHROMIUM_PATH !== undefined || process.getuid?.() !== 0) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH.`,
    );
  }
  const quiet = { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } } as const;
  execFileSync('apt-get', ['update', '-qq'], quiet);
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], quiet);
}
