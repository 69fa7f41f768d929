import { describeNetworkAclEntry, evaluateNetworkAcl } from '../engine/evaluate-network-acl.js';
import { describeAddressSet, EPHEMERAL_PORTS } from '../net/address-space.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { violation } from './rule.js';

/**
 * NV-NACL-001: an allowed request whose stateless return traffic (ephemeral ports 1024-65535 in
 * the other direction) falls through to the implicit deny. Entries that look like return rules
 * themselves (wide ranges inside 1024-65535) or allow every port are not treated as requests: an
 * allow-all entry is as often there only to carry the replies to the other direction's requests
 * (a database subnet: tcp/5432 in from the app subnet, everything out to it), and taken for a
 * request it failed such valid templates (found in review, 2026-12-07). Where an allow-all entry
 * is a request, to the internet from a subnet routed there, NV-NACL-002 warns.
 */
export const networkAclReturnPathBlocked: Rule = {
  id: 'NV-NACL-001',
  severity: 'error',
  description: 'Network ACL allows a request but denies its stateless return traffic on ephemeral ports.',
  fix: 'Add an entry in the opposite direction allowing tcp 1024-65535 to/from the same CIDR (NACLs are stateless).',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    for (const acl of model.networkAcls.values()) {
      if (acl.isDefault) continue;
      for (const entry of acl.entries) {
        if (entry.action !== 'allow') continue;
        if (
          entry.protocol instanceof Unresolved ||
          entry.ports instanceof Unresolved ||
          entry.addresses instanceof Unresolved
        )
          continue;
        if (entry.protocol !== 'tcp' && entry.protocol !== 'udp' && entry.protocol !== 'all') continue;
        const returnLike = EPHEMERAL_PORTS.covers(entry.ports) && entry.ports.size() >= 1000;
        if (returnLike || entry.ports.covers(EPHEMERAL_PORTS)) continue;
        const protocol = entry.protocol === 'udp' ? 'udp' : 'tcp';
        const ret = evaluateNetworkAcl(acl, !entry.egress, protocol, EPHEMERAL_PORTS, entry.addresses);
        // Only the implicit deny means a forgotten return rule; an explicit deny entry is deliberate.
        if (ret.implicitlyDenied.isEmpty()) continue;
        const [range] = entry.ports.ranges();
        const ports = range ? (range[0] === range[1] ? `${range[0]}` : `${range[0]}-${range[1]}`) : '?';
        const what = `${protocol}/${ports}`;
        out.push(
          violation(
            acl.id,
            `${acl.id} allows ${entry.egress ? 'outbound' : 'inbound'} ${what} ${entry.egress ? 'to' : 'from'} ${entry.cidrText} (${describeNetworkAclEntry(entry)}), but the return traffic ${entry.egress ? 'inbound from' : 'outbound to'} ${describeAddressSet(ret.implicitlyDenied)} on ephemeral ports 1024-65535 matches no entry and hits the implicit deny (*). ${this.fix}`,
          ),
        );
      }
    }
    return out;
  },
};
