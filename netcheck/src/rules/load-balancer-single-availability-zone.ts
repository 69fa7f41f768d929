import type { NetworkModel } from '../model/network-model.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/** How many distinct zones a set of subnets spans, as far as the templates say. */
interface ZoneCount {
  /** Zones certainly distinct. */
  readonly atLeast: number;
  /** Zones at most (every unknown or incomparable zone counted as a new one). */
  readonly atMost: number;
  readonly zones: string[];
  readonly unknown: string[];
}

/** A zone for messages: `Fn::GetAZs` entries as "entry 1 of Fn::GetAZs", not as their placeholder. */
function describeZone(kind: 'name' | 'id' | 'position', value: string): string {
  if (kind === 'id') return `zone id ${value}`;
  const entry = kind === 'position' ? /^.*:(.*)#(\d+)$/.exec(value) : null;
  if (!entry) return value;
  return `entry ${entry[2]} of Fn::GetAZs${entry[1] ? ` for ${entry[1]}` : ''}`;
}

/**
 * Zone names, zone ids and `Fn::GetAZs` positions are three vocabularies: equal within one, but a
 * name and an id (or a position) may or may not be the same zone, depending on the account.
 */
/** A violation, or, when `unknownBecause` is set (it may not be an ALB), an undecided outcome saying why. */
function verdictUnless(unknownBecause: string | undefined, resource: string, message: string): RuleOutcome {
  return unknownBecause === undefined
    ? violation(resource, message)
    : undecided(
        resource,
        `whether ${resource} is an Application Load Balancer is unknown (${unknownBecause}); if it is: ${message}`,
      );
}

function countZones(model: NetworkModel, subnetIds: readonly string[]): ZoneCount {
  const byKind = new Map<string, Set<string>>();
  const zones: string[] = [];
  const unknown: string[] = [];
  for (const subnetId of subnetIds) {
    const zone = model.subnets.get(subnetId)?.zone ?? {
      kind: 'unknown' as const,
      reason: `${subnetId} is not in the loaded templates`,
    };
    if (zone.kind === 'unknown') {
      unknown.push(`${subnetId}: ${zone.reason}`);
      continue;
    }
    const values = byKind.get(zone.kind) ?? new Set<string>();
    values.add(zone.value);
    byKind.set(zone.kind, values);
    zones.push(`${subnetId} in ${describeZone(zone.kind, zone.value)}`);
  }
  const sizes = [...byKind.values()].map((values) => values.size);
  return {
    atLeast: Math.max(0, ...sizes),
    atMost: sizes.reduce((sum, size) => sum + size, 0) + unknown.length,
    zones,
    unknown,
  };
}

/**
 * NV-ALB-002: an Application Load Balancer (`Type: application` or absent) whose subnets do not
 * span two Availability Zones: CloudFormation fails to create it ("At least two subnets in two
 * different Availability Zones must be specified"), as seed 004's ALB in Public Subnet C alone
 * would. Fewer than two subnets is decided whatever the zones; otherwise zones are compared as the
 * template names them, and when they cannot be (no AvailabilityZone, an unresolved value, a name
 * beside a zone id or a `Fn::GetAZs` entry) the answer is NV-UNK-001 rather than a guess. Network
 * and gateway load balancers may use one zone and are not checked.
 */
export const loadBalancerSingleAvailabilityZone: Rule = {
  id: 'NV-ALB-002',
  severity: 'error',
  description: 'Application Load Balancer with subnets in fewer than two Availability Zones (deploy fails).',
  fix: 'Give the load balancer one subnet in each of at least two Availability Zones (e.g. both public subnets).',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    for (const lb of model.workloads.values()) {
      const lbType = lb.loadBalancer?.lbType;
      if (lb.kind !== 'load-balancer' || (lbType !== 'application' && !(lbType instanceof Unresolved)))
        continue;
      // May be an NLB, which one zone suits: what would be a violation is undecided instead.
      const unlessNotAnAlb = lbType instanceof Unresolved ? lbType.reason : undefined;
      if (lb.subnetIds instanceof Unresolved) {
        out.push(undecided(lb.id, `subnets of ${lb.id}: ${lb.subnetIds.reason}`));
        continue;
      }
      const subnetIds = [...new Set(lb.subnetIds)];
      if (subnetIds.length < 2) {
        out.push(
          verdictUnless(
            unlessNotAnAlb,
            lb.id,
            `${lb.id} is an Application Load Balancer with ${subnetIds.length === 0 ? 'no subnets' : `one subnet (${subnetIds[0]})`}; an ALB needs subnets in at least two Availability Zones and CloudFormation fails to create it. ${this.fix}`,
          ),
        );
        continue;
      }
      const count = countZones(model, subnetIds);
      if (count.atLeast >= 2) continue;
      if (count.atMost < 2) {
        out.push(
          verdictUnless(
            unlessNotAnAlb,
            lb.id,
            `${lb.id} is an Application Load Balancer whose subnets are all in one Availability Zone (${count.zones.join(', ')}); an ALB needs subnets in at least two zones and CloudFormation fails to create it. ${this.fix}`,
          ),
        );
        continue;
      }
      const incomparable =
        count.unknown.length === 0 ? ' (zone names, zone ids and Fn::GetAZs entries cannot be compared)' : '';
      out.push(
        undecided(
          lb.id,
          `whether ${lb.id}'s subnets span two Availability Zones is unknown${incomparable}: ${[...count.zones, ...count.unknown].join('; ')}`,
        ),
      );
    }
    return out;
  },
};
