import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser build); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium, quiet (no background downloads or updates), sandbox off as root. Playwright
 * gives every launch a fresh `--user-data-dir` of its own (a temporary profile it deletes on close;
 * it refuses the flag in `args`), and each `newContext()` is a separate cookie jar: a second device.
 */
export function launchBrowser(): Promise<Browser> {
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
