import type { Rule, RuleOutcome } from './rule.js';
import { undecided, violation } from './rule.js';

/** NV-NAT-001: a public NAT gateway without an Elastic IP cannot reach the internet. */
export const natGatewayWithoutElasticIp: Rule = {
  id: 'NV-NAT-001',
  severity: 'error',
  description: 'Public NAT gateway without an Elastic IP (AllocationId).',
  fix: 'Create an AWS::EC2::EIP (Domain: vpc) and set AllocationId: !GetAtt Eip.AllocationId.',
  evaluate({ model }) {
    const out: RuleOutcome[] = [];
    for (const nat of model.natGateways.values()) {
      if (nat.connectivity === 'private') continue;
      if (nat.elasticIpProblem) {
        out.push(
          violation(
            nat.id,
            `${nat.id} is a public NAT gateway without a usable Elastic IP: ${nat.elasticIpProblem}. The stack fails to create it, and private subnets routed to it cannot reach the internet.`,
          ),
        );
      } else if (nat.hasElasticIp === false) {
        out.push(
          violation(
            nat.id,
            `${nat.id} is a public NAT gateway without an AllocationId, so it has no public address and private subnets routed to it cannot reach the internet (seed 003's bug). ${this.fix}`,
          ),
        );
      } else if (nat.hasElasticIp === 'unknown') {
        out.push(undecided(nat.id, `AllocationId is unresolved (${nat.elasticIpUnresolved})`));
      }
    }
    return out;
  },
};
