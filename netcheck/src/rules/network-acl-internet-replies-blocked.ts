import { describeNetworkAclEntry, evaluateNetworkAcl } from '../engine/evaluate-network-acl.js';
import { summarizeInternetRoutes } from '../engine/internet-route.js';
import { ALL_PORTS, describeAddressSet, EPHEMERAL_PORTS, INTERNET } from '../net/address-space.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { violation } from './rule.js';

/**
 * NV-NACL-002: a network ACL that lets its subnets' connections out to the internet with an
 * allow-all outbound entry, on subnets that route the internet to an internet or NAT gateway, but
 * admits no replies: every outbound connection (updates, AWS APIs, a NAT gateway forwarding for
 * private subnets) goes unanswered. The most common NACL mistake: outbound all, inbound only the
 * service port. A warning, not an error: whether a subnet starts connections to the internet is
 * intent a template does not state (NV-NACL-001 does not take allow-all entries for requests).
 */
export const networkAclInternetRepliesBlocked: Rule = {
  id: 'NV-NACL-002',
  severity: 'warning',
  description:
    'Network ACL lets traffic out to the internet from subnets routed there, but drops the replies on ephemeral ports.',
  fix: 'Add an inbound entry allowing tcp 1024-65535 from 0.0.0.0/0 (NACLs are stateless), or narrow the outbound entry if nothing there connects out.',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    for (const acl of model.networkAcls.values()) {
      if (acl.isDefault) continue;
      const routedOut = [...model.subnets.values()].filter((subnet) => {
        if (subnet.networkAclId !== acl.id) return false;
        const table = model.routeTables.get(subnet.routeTableId);
        if (!table || table.unknownContents) return false;
        const summary = summarizeInternetRoutes(model, table);
        return summary.toAttachedIgw.length > 0 || summary.toNat.length > 0;
      });
      if (routedOut.length === 0) continue;
      for (const entry of acl.entries) {
        if (!entry.egress || entry.action !== 'allow') continue;
        if (
          entry.protocol instanceof Unresolved ||
          entry.ports instanceof Unresolved ||
          entry.addresses instanceof Unresolved
        )
          continue;
        if (entry.protocol !== 'tcp' && entry.protocol !== 'all') continue;
        // Every port: an entry of ephemeral ports alone is the return entry of inbound requests.
        if (!entry.ports.covers(ALL_PORTS)) continue;
        const internet = entry.addresses.intersect(INTERNET);
        if (internet.isEmpty()) continue;
        const replies = evaluateNetworkAcl(acl, false, 'tcp', EPHEMERAL_PORTS, internet);
        // Only the implicit deny means forgotten replies; an explicit deny entry is deliberate.
        if (replies.implicitlyDenied.isEmpty()) continue;
        out.push(
          violation(
            acl.id,
            `${acl.id} allows outbound ${entry.protocol === 'all' ? 'all traffic' : 'tcp on every port'} to ${entry.cidrText} (${describeNetworkAclEntry(entry)}) from ${routedOut.map((subnet) => subnet.id).join(', ')}, which route the internet to a gateway, but replies inbound from ${describeAddressSet(replies.implicitlyDenied)} on ephemeral ports 1024-65535 match no entry and hit the implicit deny (*): connections those subnets make to the internet get no answer. ${this.fix}`,
          ),
        );
      }
    }
    return out;
  },
};
