import {
  adminPortExposures,
  admitsEveryone,
  describeAdmission,
  mayAdmitEveryone,
} from './internet-exposure.js';
import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/**
 * NV-CMP-002: an administrative port (SSH 22, Telnet 23, RDP 3389, VNC 5900, WinRM 5985/5986) of
 * an instance, auto scaling group or ECS task that the engine proves reachable from the internet,
 * opened by its security groups to everyone: 0.0.0.0/0 and anything else broader than a /8
 * (0.0.0.0/1 + 128.0.0.0/1 counts), or an IPv6 prefix shorter than /32 (`::/0`). Internet-wide
 * scanners find such a port within minutes. Narrower allowlists ("My IP") are NV-CMP-003's
 * warning. The breadth is the security groups' (as AWS Security Hub EC2.13/EC2.14 judge it): a NACL
 * that narrows it still leaves the group one shared-ACL edit away from the whole internet. When
 * the path or the breadth depends on unresolved values the answer is NV-UNK-001; a workload with no
 * public IP or route from the internet is not reported, whatever its groups say.
 */
export const adminPortOpenToInternet: Rule = {
  id: 'NV-CMP-002',
  severity: 'error',
  description: 'Administrative port (SSH, RDP, Telnet, VNC, WinRM) reachable from the whole internet.',
  fix: 'Remove the 0.0.0.0/0 (::/0) rule; use SSM Session Manager or EC2 Instance Connect Endpoint (no inbound port), or a VPN / bastion allowlist.',
  evaluate(context) {
    const out: RuleOutcome[] = [];
    for (const workload of context.model.workloads.values()) {
      const open: string[] = [];
      const unknown: string[] = [];
      for (const { port, service, result, admission } of adminPortExposures(context, workload)) {
        if (result.reachable === 'unknown')
          unknown.push(`${service} tcp/${port}: ${result.blockedAt?.reason ?? 'path undecided'}`);
        else if (admission && admitsEveryone(admission))
          open.push(`${service} (tcp/${port}) from ${describeAdmission(admission)}`);
        else if (admission && mayAdmitEveryone(admission))
          unknown.push(`whether ${service} tcp/${port} is open to everyone depends on unresolved rules`);
      }
      if (open.length > 0)
        out.push(
          violation(
            workload.id,
            `${workload.id} (${workload.type}) is reachable from the internet and accepts ${open.join(', ')}; public IP: ${workload.publicIpReason}. ${this.fix}`,
          ),
        );
      if (unknown.length > 0)
        out.push(undecided(workload.id, `internet → ${workload.id}: ${unknown.join('; ')}`));
    }
    return out;
  },
};
