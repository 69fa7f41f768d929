import { describe, expect, it } from 'vitest';
import { checkFixture } from './fixture-helpers.js';

describe('traffic matrix', () => {
  it('covers every compute resource × internet, databases and other compute on relevant ports', async () => {
    const { matrix } = await checkFixture('baseline-two-az.yaml');
    const cells = matrix.map(
      (entry) => `${entry.from} → ${entry.to}:${entry.port} ${String(entry.reachable)}`,
    );
    expect(cells).toEqual(
      expect.arrayContaining([
        'ApiFunction → internet:443 true',
        'internet → ApiFunction:443 true',
        'ApiFunction → Database:5432 true',
        'AppService → internet:443 true',
        'internet → AppService:8080 false',
        'AppService → Database:5432 true',
        'internet → Alb:443 true',
        'Alb → AppService:8080 true',
        'Alb → Database:5432 false',
        'internet → Database:5432 false',
      ]),
    );
    // Lambda functions are never network destinations of other workloads.
    expect(matrix.some((entry) => entry.to === 'ApiFunction' && entry.from !== 'internet')).toBe(false);
    for (const entry of matrix.filter((cell) => cell.reachable !== true))
      expect(entry.blockedAt?.code).toBeDefined();
  });

  it('derives instance ports from single-port security group ingress rules', async () => {
    const { matrix } = await checkFixture('nacl-with-ephemeral.yaml');
    expect(matrix.map((entry) => `${entry.from} → ${entry.to}:${entry.port}`)).toEqual([
      'Web → internet:443',
      'internet → Web:443',
    ]);
  });
});
