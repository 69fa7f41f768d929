import type { PathResult } from '../engine/path-types.js';
import { capturingEndpointOf } from '../engine/private-dns.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { blockedSomewhere, partlyReachable, undecided, violation } from './rule.js';

function blockedAt(result: PathResult): string {
  const at = result.blockedAt;
  return `${at?.code} at ${at?.resource}: ${at?.reason}`;
}

/**
 * NV-ROT-001: the function Secrets Manager runs for a RotationSchedule's HostedRotationLambda
 * cannot reach what a rotation needs: the database the secret belongs to, on its port (it signs
 * in to change the password), and Secrets Manager on tcp/443 (it reads and stages the secret's
 * versions). Either missing fails every rotation, silently until the secret's next scheduled one:
 * the secret stays AWSPENDING and the password unchanged. Secrets Manager is judged like
 * NV-LMB-002 (NAT path, gateway and interface endpoints with private DNS); a function without
 * VpcSubnetIds runs outside any VPC and reaches only a publicly accessible database.
 */
export const secretRotationMissingPath: Rule = {
  id: 'NV-ROT-001',
  severity: 'error',
  description:
    "Secret's hosted rotation function with no network path to its database's port or to Secrets Manager.",
  fix: "Run the rotation in the database's VPC (VpcSubnetIds, VpcSecurityGroupIds); allow its security group out to the database port and in on the database's group; give its subnets a NAT path or a secretsmanager interface endpoint with private DNS admitting tcp/443 from it.",
  evaluate(context) {
    const out: RuleOutcome[] = [];
    for (const fn of context.model.workloads.values()) {
      const rotation = fn.secretRotation;
      if (fn.kind !== 'secret-rotation' || !rotation) continue;
      const { databaseId } = rotation;
      const database = typeof databaseId === 'string' ? context.model.workloads.get(databaseId) : undefined;
      if (fn.outsideVpc) {
        // Outside any VPC the function has public addresses only: Secrets Manager is reachable,
        // a database only through its public endpoint.
        if (databaseId instanceof Unresolved)
          out.push(
            undecided(fn.id, `it runs outside any VPC and its database is unknown: ${databaseId.reason}`),
          );
        else if (database?.publiclyAccessible === false)
          out.push(
            violation(
              fn.id,
              `${fn.id}'s hosted rotation function (${rotation.rotationType}) has no VpcSubnetIds, so it runs outside any VPC, but ${database.id} is not publicly accessible (${database.publicIpReason}): it cannot sign in to change the password and every rotation fails. Set HostedRotationLambda.VpcSubnetIds and VpcSecurityGroupIds to private subnets of the database's VPC with a path to ${database.id} and to Secrets Manager.`,
            ),
          );
        else if (database?.publiclyAccessible !== true)
          out.push(
            undecided(
              fn.id,
              `it runs outside any VPC and whether ${databaseId} is publicly accessible is unknown${database ? ` (${database.publicIpReason})` : ''}`,
            ),
          );
        continue;
      }
      const problems: string[] = [];
      const open: string[] = [];
      if (databaseId instanceof Unresolved) open.push(`its database is unknown: ${databaseId.reason}`);
      else {
        const port = database?.listeningPorts[0]?.port;
        if (port === undefined)
          open.push(
            `the port of ${databaseId} is unknown${database?.listeningPortUnknown ? `: ${database.listeningPortUnknown}` : ''}`,
          );
        else {
          const result = context.path({ from: fn.id, to: databaseId, port });
          if (blockedSomewhere(result))
            problems.push(
              `to ${databaseId} on tcp/${port}${partlyReachable(result) ? ' from some of its subnets' : ''} (${blockedAt(result)}), so it cannot sign in to change the password`,
            );
          else if (result.reachable === 'unknown')
            open.push(`path to ${databaseId} on tcp/${port}: ${result.blockedAt?.reason ?? 'undecided'}`);
        }
      }
      const api = context.path({ from: fn.id, to: 'aws:secretsmanager', port: 443 });
      if (blockedSomewhere(api)) {
        const endpoint = capturingEndpointOf(context.model, fn, 'secretsmanager')?.id;
        problems.push(
          `to Secrets Manager on tcp/443 (${blockedAt(api)}; ${endpoint ? `a NAT path would not help: inside the VPC, private DNS sends every call to ${endpoint}, whose security groups must admit the rotation's` : 'no NAT path and no VPC endpoint com.amazonaws.<region>.secretsmanager'}), so it cannot read or stage the secret's versions`,
        );
      } else if (api.reachable === 'unknown')
        open.push(`path to Secrets Manager: ${api.blockedAt?.reason ?? 'undecided'}`);
      if (problems.length > 0)
        out.push(
          violation(
            fn.id,
            `${fn.id}'s hosted rotation function (${rotation.rotationType}) has no network path ${problems.join('; and ')}. Every rotation fails and the secret stays pending. ${this.fix}`,
          ),
        );
      else if (open.length > 0) out.push(undecided(fn.id, open.join('; ')));
    }
    return out;
  },
};
