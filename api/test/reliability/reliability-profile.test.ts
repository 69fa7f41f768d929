import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reliabilityProfile } from './reliability-profile.js';

/**
 * Issue 8's figures, pinned: the full profile (`npm run test:reliability`) must fuzz with at least
 * 5,000 malformed requests and load the API with 50 clients for at least 60 s. Lowering a figure,
 * or pointing the script at the short profile, fails here rather than quietly weakening the suite.
 */
describe('reliability profiles', () => {
  it('keeps issue 8 figures in the full profile', () => {
    const full = reliabilityProfile('full');
    expect(full.fuzzRuns).toBeGreaterThanOrEqual(5000);
    expect(full.loadClients).toBeGreaterThanOrEqual(50);
    expect(full.loadSeconds).toBeGreaterThanOrEqual(60);
  });

  it('runs the full profile from `npm run test:reliability`', () => {
    const scripts = (
      JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts['test:reliability']).toMatch(
      /^RELIABILITY_PROFILE=full vitest run --config vitest\.reliability\.config\.ts$/,
    );
    expect(() => reliabilityProfile('medium')).toThrow(/short or full/);
  });
});
