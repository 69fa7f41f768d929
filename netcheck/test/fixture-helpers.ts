import { join } from 'node:path';
import { type CheckResult, check } from '../src/check.js';
import type { Finding } from '../src/rules/rule.js';

/** Absolute path of a fixture under test/fixtures. */
export function fixturePath(name: string): string {
  return join(import.meta.dirname, 'fixtures', name);
}

/** Runs `check()` on one fixture. */
export function checkFixture(name: string, params?: Record<string, string>): Promise<CheckResult> {
  return check([fixturePath(name)], { params });
}

/** `id resource` pairs of findings, sorted, for exact assertions. */
export function findingKeys(findings: readonly Finding[]): string[] {
  return findings.map((finding) => `${finding.id} ${finding.resource}`).sort();
}
