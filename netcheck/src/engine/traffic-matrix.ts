import type { ListeningPort, NetworkModel, Workload } from '../model/network-model.js';
import { defaultDatabasePort } from '../model/workload-builder.js';
import { ALL_IPV4, INTERNET } from '../net/address-space.js';
import { IntervalSet } from '../net/interval-set.js';
import { Unresolved } from '../template/template-values.js';
import { findPath } from './find-path.js';
import type { PathResult } from './path-types.js';

/** One cell of the traffic matrix: a path result whose `from`/`to` are the model ids asked about. */
export type MatrixEntry = PathResult;

/** Port used for "can it reach the internet" (HTTPS: AWS APIs and most external services). */
export const INTERNET_EGRESS_PORT = 443;

/**
 * A port a workload serves. `from` limits which sources the port is relevant for: ports derived
 * from a security group rule matter only to the peers that rule admits (its intended flows).
 */
export interface ServedPort extends ListeningPort {
  readonly from?: { readonly groupIds: ReadonlySet<string>; readonly addresses: IntervalSet };
}

/**
 * Ports a workload serves: declared listeners/targets/container ports (relevant to every source),
 * or for instances and auto scaling groups without them, the single ports their security groups
 * open for ingress, each relevant to the peers of its rule.
 */
export function servedPorts(model: NetworkModel, workload: Workload): ServedPort[] {
  if (workload.kind === 'lambda-function')
    return [{ port: 443, protocol: 'tcp', reason: 'HTTPS invocation' }];
  // A database whose port is unknown is still asked about on its engine's default port, so the
  // matrix lists its flows (their answers are unknown) rather than dropping them.
  const engineDefault = workload.listeningPortUnknown ? defaultDatabasePort(workload.engine) : undefined;
  if (engineDefault !== undefined)
    return [
      { port: engineDefault, protocol: 'tcp', reason: `engine default (${workload.listeningPortUnknown})` },
    ];
  if (workload.listeningPorts.length > 0 || workload.securityGroupIds instanceof Unresolved)
    return workload.listeningPorts;
  if (workload.kind !== 'ec2-instance' && workload.kind !== 'autoscaling-group') return [];
  const byPort = new Map<number, { groupIds: Set<string>; addresses: IntervalSet; reason: string }>();
  for (const groupId of workload.securityGroupIds) {
    for (const rule of model.securityGroups.get(groupId)?.ingress ?? []) {
      if (rule.protocol !== 'tcp' || rule.ports instanceof Unresolved) continue;
      const [range, extra] = rule.ports.ranges();
      if (!range || extra || range[0] !== range[1]) continue;
      const served = byPort.get(range[0]) ?? {
        groupIds: new Set<string>(),
        addresses: IntervalSet.empty(),
        reason: `ingress rule ${rule.id}`,
      };
      if (rule.peer.kind === 'security-group') served.groupIds.add(rule.peer.groupId);
      else if (rule.peer.kind === 'cidr') served.addresses = served.addresses.union(rule.peer.cidr.addresses);
      // Prefix lists and unresolved peers could admit anyone.
      else served.addresses = ALL_IPV4;
      byPort.set(range[0], served);
    }
  }
  return [...byPort].map(([port, served]) => ({
    port,
    protocol: 'tcp',
    reason: served.reason,
    from: { groupIds: served.groupIds, addresses: served.addresses },
  }));
}

/** Whether a served port is relevant to a source (any source when the port is not peer-restricted). */
function relevantTo(model: NetworkModel, port: ServedPort, source: Workload | 'internet'): boolean {
  if (!port.from) return true;
  if (source === 'internet') return port.from.addresses.overlaps(INTERNET);
  if (port.from.addresses.equals(ALL_IPV4)) return true;
  const groups = source.securityGroupIds;
  if (!(groups instanceof Unresolved) && groups.some((groupId) => port.from?.groupIds.has(groupId)))
    return true;
  if (source.subnetIds instanceof Unresolved) return !port.from.addresses.isEmpty();
  return source.subnetIds.some((subnetId) => {
    const cidr = model.subnets.get(subnetId)?.cidr;
    return (
      cidr !== undefined &&
      !(cidr instanceof Unresolved) &&
      port.from?.addresses.overlaps(cidr.addresses) === true
    );
  });
}

function entry(
  model: NetworkModel,
  from: string,
  to: string,
  port: number,
  protocol: 'tcp' | 'udp',
): MatrixEntry {
  // findPath labels its ends for people; the matrix keys them by id.
  return { ...findPath(model, { from, to, port, protocol }), from, to };
}

/**
 * The traffic matrix: every compute resource (Lambda, ECS service, instance, auto scaling group,
 * load balancer) × {internet (both directions), each database, each other compute resource} on the
 * destination's relevant ports. Declared ports (listeners, targets, containers, databases) are
 * checked from every source; ports known only from a security group rule are checked from the
 * sources that rule admits, so the matrix lists intended flows rather than every blocked pair. Lambda functions are destinations only from the internet (HTTPS via
 * API Gateway); they accept no network connections otherwise.
 */
export function trafficMatrix(model: NetworkModel): MatrixEntry[] {
  const workloads = [...model.workloads.values()];
  const compute = workloads.filter((workload) => workload.role !== 'database');
  const databases = workloads.filter((workload) => workload.role === 'database');
  const ports = new Map(workloads.map((workload) => [workload.id, servedPorts(model, workload)]));
  const entries: MatrixEntry[] = [];
  for (const source of compute) {
    if (source.kind !== 'load-balancer')
      entries.push(entry(model, source.id, 'internet', INTERNET_EGRESS_PORT, 'tcp'));
    for (const port of ports.get(source.id) ?? []) {
      if (relevantTo(model, port, 'internet'))
        entries.push(entry(model, 'internet', source.id, port.port, port.protocol));
    }
    for (const database of databases) {
      for (const port of ports.get(database.id) ?? [])
        entries.push(entry(model, source.id, database.id, port.port, port.protocol));
    }
    for (const target of compute) {
      if (target === source || target.kind === 'lambda-function') continue;
      for (const port of ports.get(target.id) ?? []) {
        if (relevantTo(model, port, source))
          entries.push(entry(model, source.id, target.id, port.port, port.protocol));
      }
    }
  }
  for (const database of databases) {
    for (const port of ports.get(database.id) ?? [])
      entries.push(entry(model, 'internet', database.id, port.port, port.protocol));
  }
  return entries;
}
