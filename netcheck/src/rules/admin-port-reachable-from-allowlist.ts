import {
  adminPortExposures,
  admitsEveryone,
  describeAdmission,
  mayAdmitEveryone,
} from './internet-exposure.js';
import type { Rule, RuleOutcome } from './rule.js';
import { violation } from './rule.js';

/**
 * NV-CMP-003: an administrative port that the internet reaches, but only from an allowlist of
 * public addresses — seed 004's "SSH (22): Your IP Address". A warning, not an error: access is
 * restricted and intended (AWS Security Hub and CIS fail only 0.0.0.0/0 and ::/0, NV-CMP-002).
 * Still worth a warning because the instance needs a public IP for it, home and office addresses
 * change (the rule then gets widened, often to 0.0.0.0/0, or keeps admitting whoever has the old
 * address), and key-based SSH leaves no audit trail; Session Manager needs no inbound port at all.
 * Private peers (a VPN's or the VPC's CIDR) are not the internet and are not reported. Undecided
 * cases are reported once, by NV-CMP-002.
 */
export const adminPortReachableFromAllowlist: Rule = {
  id: 'NV-CMP-003',
  severity: 'warning',
  description:
    'Administrative port reachable from an allowlist of public addresses (e.g. "My IP") on a public instance.',
  fix: 'Prefer SSM Session Manager or EC2 Instance Connect Endpoint (no inbound port, no public IP, audited); otherwise keep the allowlist current.',
  evaluate(context) {
    const out: RuleOutcome[] = [];
    for (const workload of context.model.workloads.values()) {
      const allowlisted: string[] = [];
      for (const { port, service, result, admission } of adminPortExposures(context, workload)) {
        if (result.reachable !== true || !admission) continue;
        if (admitsEveryone(admission) || mayAdmitEveryone(admission)) continue;
        allowlisted.push(`${service} (tcp/${port}) from ${describeAdmission(admission)}`);
      }
      if (allowlisted.length > 0)
        out.push(
          violation(
            workload.id,
            `${workload.id} (${workload.type}) is reachable from the internet on ${allowlisted.join(', ')}; public IP: ${workload.publicIpReason}. ${this.fix}`,
          ),
        );
    }
    return out;
  },
};
