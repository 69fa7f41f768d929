import { capturingEndpointOf } from '../engine/private-dns.js';
import { endpointServicesFor } from '../model/iam-permissions.js';
import type { Rule, RuleOutcome } from './rule.js';
import { blockedSomewhere, partlyReachable, undecided, violation } from './rule.js';

/**
 * NV-LMB-002: a VPC Lambda function is granted an AWS API (ses:, s3:, secretsmanager:…) it has no
 * network path to: neither a NAT path to the public endpoint nor a matching VPC endpoint.
 */
export const lambdaMissingPathToAwsApi: Rule = {
  id: 'NV-LMB-002',
  severity: 'error',
  description: 'VPC Lambda function with IAM permissions for an AWS API it has no network path to.',
  fix: 'Give the function a NAT path to the internet, or add a VPC endpoint for the service (gateway endpoint for S3/DynamoDB; interface endpoint with private DNS otherwise).',
  evaluate(context) {
    const out: RuleOutcome[] = [];
    for (const fn of context.model.workloads.values()) {
      if (fn.kind !== 'lambda-function' || fn.outsideVpc || !fn.awsApiPermissions) continue;
      for (const [service, grantedBy] of fn.awsApiPermissions) {
        const result = context.path({ from: fn.id, to: `aws:${service}`, port: 443 });
        const partial = partlyReachable(result);
        if (blockedSomewhere(result)) {
          const endpoints = endpointServicesFor(service)
            .map((name) => `com.amazonaws.<region>.${name}`)
            .join(' or ');
          const endpoint = capturingEndpointOf(context.model, fn, service)?.id;
          const why = endpoint
            ? `${result.blockedAt?.code} at ${result.blockedAt?.resource}: ${result.blockedAt?.reason}. A NAT path does not help: inside the VPC, private DNS sends every call to ${endpoint}`
            : result.blockedAt?.code === 'ENDPOINT_PRIVATE_DNS_UNAVAILABLE'
              ? `its VPC endpoint does not serve it (${result.blockedAt.reason}) and there is no NAT path to the internet`
              : `no NAT path to the internet (${result.blockedAt?.code}: ${result.blockedAt?.reason}) and no VPC endpoint ${endpoints}`;
          out.push(
            violation(
              fn.id,
              `${fn.id} may call ${service} (granted by ${grantedBy}) but has no network path to it${partial ? ' from some of its subnets' : ''}: ${why}. Calls will time out. ${endpoint ? `Allow tcp/443 from the function's security group on ${endpoint}'s security groups (and in the network ACLs between them).` : this.fix}`,
            ),
          );
        } else if (result.reachable === 'unknown') {
          out.push(undecided(fn.id, `path to ${service}: ${result.blockedAt?.reason ?? 'undecided'}`));
        }
      }
    }
    return out;
  },
};
