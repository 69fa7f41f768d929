import type { NetworkModel, Subnet, Tri, Workload } from '../model/network-model.js';
import type { IntervalSet } from '../net/interval-set.js';
import { Unresolved } from '../template/template-values.js';

/** One place a workload's interface can be: a subnet, its addresses, and the interface's groups. */
export interface Placement {
  readonly subnetId: string;
  /** Undefined when the subnet is not in the loaded templates or could not be resolved. */
  readonly subnet?: Subnet;
  /** The subnet CIDR; undefined when unknown. */
  readonly addresses?: IntervalSet;
  /** Security groups of the interface: ids, `none` (NLB without groups, internet) or `unknown`. */
  readonly groups: readonly string[] | 'none' | 'unknown';
  readonly groupsUnknownReason?: string;
  /** Whether the interface has a public IP. */
  readonly publicIp: Tri;
  readonly publicIpReason: string;
  /** Why the subnet is unknown, when it is. */
  readonly unknownReason?: string;
}

const placementCache = new WeakMap<Workload, Placement[]>();

/** Every placement of a workload (one per subnet; one unknown placement when subnets are unresolved). */
export function placementsOf(model: NetworkModel, workload: Workload): Placement[] {
  // The matrix asks about the same workloads thousands of times; placements never change.
  const cached = placementCache.get(workload);
  if (cached) return cached;
  const placements = computePlacements(model, workload);
  placementCache.set(workload, placements);
  return placements;
}

function computePlacements(model: NetworkModel, workload: Workload): Placement[] {
  const groups =
    workload.securityGroupIds instanceof Unresolved
      ? 'unknown'
      : workload.securityGroupIds.length === 0
        ? 'none'
        : workload.securityGroupIds;
  const base = {
    groups,
    groupsUnknownReason:
      workload.securityGroupIds instanceof Unresolved ? workload.securityGroupIds.reason : undefined,
    publicIp: workload.publicIp,
    publicIpReason: workload.publicIpReason,
  } as const;
  if (workload.subnetIds instanceof Unresolved) {
    return [{ ...base, subnetId: '(unknown subnet)', unknownReason: workload.subnetIds.reason }];
  }
  if (workload.subnetIds.length === 0)
    return [{ ...base, subnetId: '(no subnet)', unknownReason: `${workload.id} names no subnets` }];
  return workload.subnetIds.map((subnetId) => placementInSubnet(model, subnetId, base));
}

/** A placement in a given subnet with the given interface properties. */
export function placementInSubnet(
  model: NetworkModel,
  subnetId: string,
  properties: Pick<Placement, 'groups' | 'groupsUnknownReason' | 'publicIp' | 'publicIpReason'>,
): Placement {
  const subnet = model.subnets.get(subnetId);
  if (!subnet)
    return { ...properties, subnetId, unknownReason: `subnet ${subnetId} is not in the loaded templates` };
  if (subnet.cidr instanceof Unresolved) {
    return {
      ...properties,
      subnetId,
      subnet,
      unknownReason: `CIDR of ${subnetId} is unresolved (${subnet.cidr.reason})`,
    };
  }
  return { ...properties, subnetId, subnet, addresses: subnet.cidr.addresses };
}

/** A stable key describing what a placement contributes to an evaluation (for caching). */
export function placementKey(placement: Placement): string {
  const groups = Array.isArray(placement.groups)
    ? [...placement.groups].sort().join(',')
    : String(placement.groups);
  // A CIDR block is identified by its first address and size; cheaper than formatting it.
  const addresses = placement.addresses ? `${placement.addresses.min()}+${placement.addresses.size()}` : '?';
  return `${placement.subnetId}|${addresses}|${groups}|${String(placement.publicIp)}`;
}
