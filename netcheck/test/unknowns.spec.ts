import { describe, expect, it } from 'vitest';
import { findPath } from '../src/engine/find-path.js';
import type { PathQuery, PathResult } from '../src/engine/path-types.js';
import { checkFixture, findingKeys } from './fixture-helpers.js';

/**
 * Never a silent pass: inputs netcheck cannot resolve must give "unknown" (a path answer and/or an
 * NV-UNK-001 finding), never a definite "not reachable" or zero findings. Each case also checks the
 * definite answers once the missing value is given with --param.
 */
async function path(fixture: string, query: PathQuery, params?: Record<string, string>): Promise<PathResult> {
  const { model } = await checkFixture(fixture, params);
  return findPath(model, query);
}

describe('conditional inline security group rules', () => {
  const fixture = 'inline-sg-rule-conditional.yaml';

  it('an `!If` ingress element with an unresolved condition makes internet → database unknown', async () => {
    const result = await path(fixture, { from: 'internet', to: 'Db', port: 5432 });
    expect(result.reachable).toBe('unknown');
    expect(result.blockedAt?.reason).toContain('AllowAdmin');
    const { findings } = await checkFixture(fixture);
    expect(findingKeys(findings)).toContain('NV-UNK-001 DbSg');
  });

  it('a lone conditional egress rule is not deny-all', async () => {
    const result = await path(fixture, { from: 'Web', to: 'internet', port: 443 });
    expect(result.reachable).toBe('unknown');
  });

  it('with the condition given, the answers are definite', async () => {
    const admin = { AllowAdmin: 'true' };
    expect((await path(fixture, { from: 'internet', to: 'Db', port: 5432 }, admin)).reachable).toBe(true);
    expect((await path(fixture, { from: 'Web', to: 'internet', port: 443 }, admin)).reachable).toBe(false);
    const none = { AllowAdmin: 'false' };
    expect((await path(fixture, { from: 'internet', to: 'Db', port: 5432 }, none)).reachable).toBe(false);
    expect((await path(fixture, { from: 'Web', to: 'internet', port: 443 }, none)).reachable).toBe(true);
  });
});
