import { evaluateSecurityGroups } from '../engine/evaluate-security-groups.js';
import type { PathResult } from '../engine/path-types.js';
import { protocolMatches } from '../model/ip-protocol.js';
import type { NetworkModel, SecurityGroupRule, Workload } from '../model/network-model.js';
import { describeAddressSet, INTERNET, ipv6CidrIncludesInternet } from '../net/address-space.js';
import type { IntervalSet } from '../net/interval-set.js';
import { Unresolved } from '../template/template-values.js';
import type { RuleContext } from './rule.js';

/**
 * Shared by the compute exposure rules (NV-CMP-001/002/003). Whether the internet reaches a
 * workload is always the engine's answer (`findPath` from `internet`); these helpers only pick the
 * ports worth asking about and say how widely the security groups open a port that is reachable.
 */

/** Administrative (remote shell / desktop) ports and their protocol names. */
export const ADMIN_PORTS: ReadonlyMap<number, string> = new Map([
  [22, 'SSH'],
  [23, 'Telnet'],
  [3389, 'RDP'],
  [5900, 'VNC'],
  [5985, 'WinRM (HTTP)'],
  [5986, 'WinRM (HTTPS)'],
]);

/**
 * More public IPv4 addresses than a /8 holds: no organisation's egress range is this large, so a
 * rule this broad (0.0.0.0/0, or its halves 0.0.0.0/1 + 128.0.0.0/1) admits everyone in effect.
 */
export const EVERYONE_IPV4_ADDRESSES = 2 ** 24;

/** An IPv6 prefix shorter than an ISP's /32 allocation likewise admits everyone in effect (`::/0`). */
export const EVERYONE_IPV6_PREFIX = 32;

/**
 * Compute whose own interfaces accept connections: instances, auto scaling groups and ECS (awsvpc)
 * tasks. Lambda interfaces never accept inbound connections; load balancers and databases have
 * their own rules.
 */
export function acceptsInboundConnections(workload: Workload): boolean {
  return (
    workload.kind === 'ec2-instance' ||
    workload.kind === 'autoscaling-group' ||
    workload.kind === 'ecs-service'
  );
}

/** Whether a rule's peer may include internet addresses (unresolved peers may). */
export function peerMayBePublic(rule: SecurityGroupRule): boolean {
  switch (rule.peer.kind) {
    case 'cidr':
      return rule.peer.cidr.addresses.overlaps(INTERNET);
    case 'prefix-list':
      return rule.peer.addresses instanceof Unresolved || rule.peer.addresses.overlaps(INTERNET);
    case 'ipv6-cidr':
      return rule.peer.cidr instanceof Unresolved || ipv6CidrIncludesInternet(rule.peer.cidr) !== false;
    case 'unresolved':
      return true;
    case 'security-group':
      return false;
  }
}

/** Ingress rules of a workload's security groups that may admit internet addresses over tcp. */
export function internetIngressRules(model: NetworkModel, workload: Workload): SecurityGroupRule[] {
  if (workload.securityGroupIds instanceof Unresolved) return [];
  return workload.securityGroupIds.flatMap((groupId) =>
    (model.securityGroups.get(groupId)?.ingress ?? []).filter(
      (rule) =>
        peerMayBePublic(rule) &&
        (rule.protocol instanceof Unresolved || protocolMatches(rule.protocol, 'tcp')),
    ),
  );
}

/** A tcp port to ask the engine about, and why it is a candidate. */
export interface CandidatePort {
  readonly port: number;
  readonly why: string;
}

/**
 * The tcp ports on which the internet might reach a workload: its declared ports (container,
 * target, health-check ports) and the ports its internet-facing ingress rules open. An ECS task
 * with declared container ports answers only on those, so its rules add nothing. A port range is
 * asked about once, at its first port outside `skip`: ports of one rule differ only where a NACL
 * splits the range, and asking all 65,536 would cost more than it finds.
 */
export function candidatePorts(
  model: NetworkModel,
  workload: Workload,
  skip: ReadonlySet<number>,
): CandidatePort[] {
  const ports = new Map<number, string>();
  for (const listening of workload.listeningPorts) {
    if (listening.protocol === 'tcp' && !skip.has(listening.port))
      ports.set(listening.port, listening.reason);
  }
  if (workload.kind === 'ecs-service' && workload.listeningPorts.length > 0) return toList(ports);
  for (const rule of internetIngressRules(model, workload)) {
    if (rule.ports instanceof Unresolved) continue;
    for (const [low, high] of rule.ports.ranges()) {
      if (low === high) {
        if (!skip.has(low) && !ports.has(low)) ports.set(low, `opened by ${rule.id}`);
        continue;
      }
      let port = Math.max(low, 1);
      while (port <= high && skip.has(port)) port += 1;
      if (port <= high && !ports.has(port))
        ports.set(port, `first port of tcp/${low}-${high} opened by ${rule.id}`);
      // Where the subnet's NACL splits the range, the parts can differ: ask at the start of each
      // too. An allow-all group behind a NACL that admits only 80, 443 and the ephemeral ports was
      // asked about port 1 alone, which the NACL blocks, and passed (found by review, 2026-12-07).
      for (const boundary of naclBoundaries(model, workload, port + 1, high)) {
        if (!skip.has(boundary) && !ports.has(boundary))
          ports.set(
            boundary,
            `tcp/${boundary}, where the subnet's NACL splits tcp/${low}-${high} opened by ${rule.id}`,
          );
      }
    }
  }
  return toList(ports);
}

/** At most this many NACL boundaries are asked about per range (each is a path question). */
const MAX_NACL_BOUNDARIES = 32;

/**
 * The ports in [from, to] where an inbound entry of a NACL of the workload's subnets begins or
 * ends (the first port after its end), in order: the starts of the parts a NACL may treat apart.
 */
function naclBoundaries(model: NetworkModel, workload: Workload, from: number, to: number): number[] {
  if (workload.subnetIds instanceof Unresolved || from > to) return [];
  const boundaries = new Set<number>();
  for (const subnetId of workload.subnetIds) {
    const naclId = model.subnets.get(subnetId)?.networkAclId;
    for (const entry of (naclId ? model.networkAcls.get(naclId)?.entries : undefined) ?? []) {
      if (entry.egress || entry.ports instanceof Unresolved) continue;
      for (const [low, high] of entry.ports.ranges()) {
        for (const boundary of [low, high + 1])
          if (boundary >= from && boundary <= to) boundaries.add(boundary);
      }
    }
  }
  return [...boundaries].sort((a, b) => a - b).slice(0, MAX_NACL_BOUNDARIES);
}

function toList(ports: ReadonlyMap<number, string>): CandidatePort[] {
  return [...ports].sort(([a], [b]) => a - b).map(([port, why]) => ({ port, why }));
}

/** Whether some internet-facing ingress rule may open `port` (its ports may be unresolved). */
export function mayOpenPort(model: NetworkModel, workload: Workload, port: number): boolean {
  if (workload.securityGroupIds instanceof Unresolved) return true;
  if (workload.securityGroupIds.some((groupId) => model.securityGroups.get(groupId)?.external !== false))
    return true;
  return internetIngressRules(model, workload).some(
    (rule) => rule.ports instanceof Unresolved || rule.ports.has(port),
  );
}

/** How widely a workload's security groups admit the internet on one tcp port. */
export interface InternetAdmission {
  /** Public IPv4 addresses definitely admitted. */
  readonly ipv4: IntervalSet;
  /** Public IPv4 addresses admitted or not depending on unresolved values. */
  readonly ipv4Unknown: IntervalSet;
  /** Public IPv6 CIDRs admitted (IPv6 flows are not modelled; the rules still state the intent). */
  readonly ipv6: readonly string[];
  /** Rules that admit (some of) the internet on the port. */
  readonly rules: readonly string[];
}

/**
 * Which internet addresses the workload's security groups admit on `port`, as the engine's
 * security group evaluation computes it (undefined when the groups are unknown).
 */
export function internetAdmission(
  model: NetworkModel,
  workload: Workload,
  port: number,
): InternetAdmission | undefined {
  if (workload.securityGroupIds instanceof Unresolved) return undefined;
  const decision = evaluateSecurityGroups(model, workload.securityGroupIds, 'ingress', 'tcp', port, {
    addresses: INTERNET,
    groups: 'none',
  });
  const ipv6Rules = internetIngressRules(model, workload).filter(
    (rule) =>
      rule.peer.kind === 'ipv6-cidr' &&
      typeof rule.peer.cidr === 'string' &&
      !rule.uncertain &&
      !(rule.ports instanceof Unresolved) &&
      rule.ports.has(port),
  );
  return {
    ipv4: decision.allowed,
    ipv4Unknown: decision.unknown,
    ipv6: ipv6Rules.map((rule) => (rule.peer.kind === 'ipv6-cidr' ? String(rule.peer.cidr) : '')),
    rules: [...decision.matchedRules, ...ipv6Rules].map((rule) => rule.id),
  };
}

/** Whether an admission is "everyone": more than a /8 of IPv4, or an IPv6 prefix shorter than /32. */
export function admitsEveryone(admission: InternetAdmission): boolean {
  return (
    admission.ipv4.size() > EVERYONE_IPV4_ADDRESSES ||
    admission.ipv6.some((cidr) => {
      const length = Number(cidr.split('/')[1]);
      return Number.isInteger(length) && length < EVERYONE_IPV6_PREFIX;
    })
  );
}

/** Whether it may be "everyone" once unresolved rules are known. */
export function mayAdmitEveryone(admission: InternetAdmission): boolean {
  return admission.ipv4.union(admission.ipv4Unknown).size() > EVERYONE_IPV4_ADDRESSES;
}

/** The security group hop of a witness path ("allowed by Sg.SecurityGroupIngress[0]: …"). */
export function admittedBy(result: PathResult): string {
  const hop = result.path.find((candidate) => candidate.kind === 'security-group-ingress');
  return hop?.detail ?? 'no security group filters it';
}

/** An administrative port of a workload that the engine proves reachable from the internet (or cannot decide). */
export interface AdminPortExposure {
  readonly port: number;
  /** SSH, RDP… */
  readonly service: string;
  readonly result: PathResult;
  /** Undefined when the workload's security groups are unknown. */
  readonly admission?: InternetAdmission;
}

/**
 * The administrative ports of a workload the internet reaches (`result.reachable` true) or may
 * reach (unknown). Instances and auto scaling groups run a host that may listen on any of them; an
 * ECS task only on its declared container ports. Ports no internet-facing rule can open are not
 * asked about, so a definite "no rule" never costs a path query.
 */
export function adminPortExposures(context: RuleContext, workload: Workload): AdminPortExposure[] {
  const { model } = context;
  if (!acceptsInboundConnections(workload)) return [];
  const exposures: AdminPortExposure[] = [];
  for (const [port, service] of ADMIN_PORTS) {
    if (
      workload.kind === 'ecs-service' &&
      !workload.listeningPorts.some((listening) => listening.port === port && listening.protocol === 'tcp')
    )
      continue;
    if (!mayOpenPort(model, workload, port)) continue;
    const result = context.path({ from: 'internet', to: workload.id, port });
    if (result.reachable === false) continue;
    exposures.push({ port, service, result, admission: internetAdmission(model, workload, port) });
  }
  return exposures;
}

/** "203.0.113.10/32 and the IPv6 internet (::/0)" for messages. */
export function describeAdmission(admission: InternetAdmission): string {
  const parts = [
    ...(admission.ipv4.isEmpty() ? [] : [describeAddressSet(admission.ipv4)]),
    ...admission.ipv6.map((cidr) => `the IPv6 addresses ${cidr}`),
  ];
  return `${parts.join(' and ') || 'internet addresses'}${admission.rules.length > 0 ? ` via ${admission.rules.join(', ')}` : ''}`;
}
