import type { ListeningPort, NetworkModel, Tri, Workload } from '../model/network-model.js';
import { Unresolved } from '../template/template-values.js';
import { findPath } from './find-path.js';
import type { BlockedAt, Hop } from './path-types.js';

/** One cell of the traffic matrix. */
export interface MatrixEntry {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
  readonly reachable: Tri;
  readonly path: Hop[];
  readonly blockedAt?: BlockedAt;
}

/** Port used for "can it reach the internet" (HTTPS: AWS APIs and most external services). */
export const INTERNET_EGRESS_PORT = 443;

/** At most this many SG-derived ports per instance, to keep the matrix about intended services. */
const MAX_DERIVED_PORTS = 5;

/**
 * Ports a workload serves: declared listeners/targets/container ports, or for instances and
 * auto scaling groups without them, the single ports their security groups open for ingress.
 */
export function servedPorts(model: NetworkModel, workload: Workload): ListeningPort[] {
  if (workload.kind === 'lambda-function')
    return [{ port: 443, protocol: 'tcp', reason: 'HTTPS invocation' }];
  if (workload.listeningPorts.length > 0 || workload.securityGroupIds instanceof Unresolved)
    return workload.listeningPorts;
  if (workload.kind !== 'ec2-instance' && workload.kind !== 'autoscaling-group') return [];
  const ports: ListeningPort[] = [];
  for (const groupId of workload.securityGroupIds) {
    for (const rule of model.securityGroups.get(groupId)?.ingress ?? []) {
      if (rule.protocol !== 'tcp' || rule.ports instanceof Unresolved) continue;
      const [range, extra] = rule.ports.ranges();
      if (!range || extra || range[0] !== range[1]) continue;
      if (!ports.some((port) => port.port === range[0]))
        ports.push({ port: range[0], protocol: 'tcp', reason: `ingress rule ${rule.id}` });
    }
  }
  return ports.slice(0, MAX_DERIVED_PORTS);
}

function entry(
  model: NetworkModel,
  from: string,
  to: string,
  port: number,
  protocol: 'tcp' | 'udp',
): MatrixEntry {
  const result = findPath(model, { from, to, port, protocol });
  return {
    from,
    to,
    port,
    protocol,
    reachable: result.reachable,
    path: result.path,
    blockedAt: result.blockedAt,
  };
}

/**
 * The traffic matrix: every compute resource (Lambda, ECS service, instance, auto scaling group,
 * load balancer) × {internet (both directions), each database, each other compute resource} on the
 * destination's relevant ports. Lambda functions are destinations only from the internet (HTTPS via
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
    for (const port of ports.get(source.id) ?? [])
      entries.push(entry(model, 'internet', source.id, port.port, port.protocol));
    for (const database of databases) {
      for (const port of ports.get(database.id) ?? [])
        entries.push(entry(model, source.id, database.id, port.port, port.protocol));
    }
    for (const target of compute) {
      if (target === source || target.kind === 'lambda-function') continue;
      for (const port of ports.get(target.id) ?? [])
        entries.push(entry(model, source.id, target.id, port.port, port.protocol));
    }
  }
  for (const database of databases) {
    for (const port of ports.get(database.id) ?? [])
      entries.push(entry(model, 'internet', database.id, port.port, port.protocol));
  }
  return entries;
}
