/** How hard the reliability suite pushes; bounded in time and count either way. */
export interface ReliabilityProfile {
  readonly name: 'short' | 'full';
  /** Concurrent clients of the load test and how long they run. */
  readonly loadClients: number;
  readonly loadSeconds: number;
  /** Malformed requests the fuzzer sends (fast-check runs). */
  readonly fuzzRuns: number;
  /** Clients hammering the API while the database is stopped, and how long it stays down. */
  readonly outageClients: number;
  readonly outageSeconds: number;
}

const profiles: Readonly<Record<ReliabilityProfile['name'], ReliabilityProfile>> = {
  // CI (`npm test`): the same checks, shorter.
  short: {
    name: 'short',
    loadClients: 50,
    loadSeconds: 10,
    fuzzRuns: 1500,
    outageClients: 20,
    outageSeconds: 4,
  },
  // On demand (`npm run test:reliability`): issue 8's figures (pinned by reliability-profile.test.ts).
  full: {
    name: 'full',
    loadClients: 50,
    loadSeconds: 60,
    fuzzRuns: 6000,
    outageClients: 50,
    outageSeconds: 8,
  },
};

/**
 * RELIABILITY_PROFILE=short|full (default short, so a bare `vitest` run stays quick); `name` picks
 * one regardless (reliability-profile.test.ts pins the full one's figures).
 */
export function reliabilityProfile(name = process.env.RELIABILITY_PROFILE ?? 'short'): ReliabilityProfile {
  if (name !== 'short' && name !== 'full') throw new Error('RELIABILITY_PROFILE must be short or full');
  return profiles[name];
}
