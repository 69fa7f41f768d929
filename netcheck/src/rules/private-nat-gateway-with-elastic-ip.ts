import type { Rule, RuleOutcome } from './rule.js';
import { violation } from './rule.js';

/** NV-NAT-004: a private NAT gateway must not have an AllocationId (the deployment fails). */
export const privateNatGatewayWithElasticIp: Rule = {
  id: 'NV-NAT-004',
  severity: 'error',
  description: 'NAT gateway with ConnectivityType private and an AllocationId.',
  fix: 'Remove AllocationId, or drop ConnectivityType: private if the NAT gateway should reach the internet.',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    for (const nat of model.natGateways.values()) {
      if (nat.connectivity === 'private' && (nat.hasElasticIp === true || nat.elasticIpProblem)) {
        out.push(
          violation(
            nat.id,
            `${nat.id} has ConnectivityType private but an AllocationId; CloudFormation rejects this. ${this.fix}`,
          ),
        );
      }
    }
    return out;
  },
};
