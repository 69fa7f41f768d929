import type { Route } from '../model/network-model.js';
import { INTERNET } from '../net/address-space.js';
import { IntervalSet } from '../net/interval-set.js';
import { formatIpv4 } from '../net/ipv4.js';
import type { Rule, RuleOutcome } from './rule.js';
import { violation } from './rule.js';

/**
 * True when the table's CIDR routes to one gateway together cover the whole internet: the split
 * default `0.0.0.0/1` + `128.0.0.0/1` (a common VPN-style idiom) is deliberate, not a typo of /0.
 */
function sameTargetCoversInternet(routes: readonly Route[], targetId: string): boolean {
  let covered = IntervalSet.empty();
  for (const route of routes) {
    const target = route.target;
    if (route.destination.kind !== 'cidr') continue;
    if ((target.kind !== 'internet-gateway' && target.kind !== 'nat-gateway') || target.id !== targetId)
      continue;
    covered = covered.union(route.destination.cidr.addresses);
  }
  return covered.covers(INTERNET);
}

/** NV-RT-001: a default-looking route with a non-zero prefix (`0.0.0.0/16`) or a CIDR with host bits set. */
export const suspiciousRoutePrefix: Rule = {
  id: 'NV-RT-001',
  severity: 'error',
  description:
    'Route destination 0.0.0.0/N (N > 0) toward an internet or NAT gateway (unless routes to that gateway cover the whole internet, as 0.0.0.0/1 + 128.0.0.0/1 do), or a CIDR with host bits set.',
  fix: 'Use 0.0.0.0/0 for "all public destinations"; write CIDRs with the host bits cleared (10.0.1.0/24, not 10.0.1.5/24).',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    // A route whose table is unresolved is listed in every table it may be in: judge it once.
    const seen = new Set<string>();
    for (const table of model.routeTables.values()) {
      for (const route of table.routes) {
        if (route.tableUnresolved) {
          if (seen.has(route.id)) continue;
          seen.add(route.id);
        }
        if (route.destination.kind !== 'cidr') continue;
        const cidr = route.destination.cidr;
        const target = route.target;
        if (
          cidr.address === 0 &&
          cidr.prefixLength > 0 &&
          (target.kind === 'internet-gateway' || target.kind === 'nat-gateway') &&
          !(cidr.prefixLength < 8 && sameTargetCoversInternet(table.routes, target.id))
        ) {
          const coverage =
            cidr.prefixLength >= 8
              ? 'lies entirely inside the reserved 0.0.0.0/8 block and matches no internet address'
              : `covers only 0.0.0.0–${formatIpv4(2 ** (32 - cidr.prefixLength) - 1)}, part of the internet`;
          const gateway =
            target.kind === 'nat-gateway' ? `NAT gateway ${target.id}` : `internet gateway ${target.id}`;
          out.push(
            violation(
              route.id,
              `${route.id} in ${table.id} routes ${cidr.text} to ${gateway}; that destination ${coverage} (seed 000 wrote 0.0.0.0/16 where it meant 0.0.0.0/0). Use 0.0.0.0/0.`,
            ),
          );
        } else if (cidr.hostBitsSet) {
          out.push(
            violation(
              route.id,
              `${route.id} in ${table.id} has destination ${cidr.text} with host bits set beyond /${cidr.prefixLength}; AWS rejects or reinterprets it. Write the network address of the block.`,
            ),
          );
        }
      }
    }
    return out;
  },
};
