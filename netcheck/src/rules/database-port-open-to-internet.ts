import type { SecurityGroupRule } from '../model/network-model.js';
import { describeAddressSet, INTERNET } from '../net/address-space.js';
import { IntervalSet } from '../net/interval-set.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/** Well-known database and data-store ports: PostgreSQL, MySQL, SQL Server, Oracle, MongoDB, Redis, Redshift, OpenSearch… */
export const DATABASE_PORTS: readonly number[] = [
  1433, 1521, 2483, 2484, 3306, 5432, 5439, 6379, 7000, 7001, 8529, 9042, 9200, 9300, 11211, 27017, 27018,
  50000,
];

function ruleAllowsPort(rule: SecurityGroupRule, port: number): boolean {
  if (rule.protocol instanceof Unresolved || rule.ports instanceof Unresolved) return false;
  return (rule.protocol === 'tcp' || rule.protocol === 'all') && rule.ports.has(port);
}

/**
 * NV-SG-001: a database port allowed from internet addresses. Computed on address sets, so
 * `0.0.0.0/1` + `128.0.0.0/1` is recognised as the whole internet.
 */
export const databasePortOpenToInternet: Rule = {
  id: 'NV-SG-001',
  severity: 'error',
  description: 'Security group allows a database port from non-private (internet) addresses.',
  fix: "Allow the database port only from the application's security group (SourceSecurityGroupId) or private CIDRs; use a bastion or SSM for admin access.",
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    // Ports of modelled databases, per security group protecting them.
    const databasePortsByGroup = new Map<string, Set<number>>();
    for (const workload of model.workloads.values()) {
      if (workload.role !== 'database' || workload.securityGroupIds instanceof Unresolved) continue;
      for (const groupId of workload.securityGroupIds) {
        const ports = databasePortsByGroup.get(groupId) ?? new Set<number>();
        for (const listening of workload.listeningPorts) ports.add(listening.port);
        databasePortsByGroup.set(groupId, ports);
      }
    }
    for (const group of model.securityGroups.values()) {
      const ports = new Set([...DATABASE_PORTS, ...(databasePortsByGroup.get(group.id) ?? [])]);
      for (const port of [...ports].sort((a, b) => a - b)) {
        let open = IntervalSet.empty();
        const rules: string[] = [];
        for (const rule of group.ingress) {
          if (
            rule.peer.kind === 'unresolved' &&
            rule.protocol !== 'udp' &&
            databasePortsByGroup.get(group.id)?.has(port)
          ) {
            out.push(undecided(group.id, `${rule.id} on the database port ${port}: ${rule.peer.reason}`));
            continue;
          }
          if (rule.peer.kind !== 'cidr' || rule.uncertain || !ruleAllowsPort(rule, port)) continue;
          const publicPart = rule.peer.cidr.addresses.intersect(INTERNET);
          if (publicPart.isEmpty()) continue;
          open = open.union(publicPart);
          rules.push(`${rule.id} (${rule.peer.cidr.text})`);
        }
        if (open.isEmpty()) continue;
        const protects = databasePortsByGroup.get(group.id)?.has(port)
          ? ' and protects a database listening on it'
          : '';
        out.push(
          violation(
            group.id,
            `${group.id} allows tcp/${port} from ${describeAddressSet(open)} via ${rules.join(', ')}${protects}. ${this.fix}`,
          ),
        );
      }
    }
    return out;
  },
};
