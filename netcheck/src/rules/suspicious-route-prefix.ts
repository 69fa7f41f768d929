import type { Rule, RuleOutcome } from './rule.js';
import { violation } from './rule.js';

/** NV-RT-001: a default-looking route with a non-zero prefix (`0.0.0.0/16`) or a CIDR with host bits set. */
export const suspiciousRoutePrefix: Rule = {
  id: 'NV-RT-001',
  severity: 'error',
  description:
    'Route destination 0.0.0.0/N (N > 0) toward an internet or NAT gateway, or a CIDR with host bits set.',
  fix: 'Use 0.0.0.0/0 for "all public destinations"; write CIDRs with the host bits cleared (10.0.1.0/24, not 10.0.1.5/24).',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    for (const table of model.routeTables.values()) {
      for (const route of table.routes) {
        if (route.destination.kind !== 'cidr') continue;
        const cidr = route.destination.cidr;
        const towardGateway = route.target.kind === 'internet-gateway' || route.target.kind === 'nat-gateway';
        if (cidr.address === 0 && cidr.prefixLength > 0 && towardGateway) {
          out.push(
            violation(
              route.id,
              `${route.id} in ${table.id} routes ${cidr.text} to ${route.target.kind === 'nat-gateway' ? 'NAT gateway' : 'internet gateway'} ${'id' in route.target ? route.target.id : ''}; that covers only ${2 ** (32 - cidr.prefixLength)} addresses starting at 0.0.0.0 (mostly the reserved 0.0.0.0/8), not the internet (seed 000 wrote 0.0.0.0/16 for 0.0.0.0/0). Use 0.0.0.0/0.`,
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
