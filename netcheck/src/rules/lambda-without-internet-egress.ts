import { INTERNET_EGRESS_PORT } from '../engine/traffic-matrix.js';
import type { Rule, RuleOutcome } from './rule.js';
import { blockedSomewhere, partlyReachable, undecided, violation } from './rule.js';

/** NV-LMB-001: a VPC Lambda function that cannot reach the internet (no NAT path). */
export const lambdaWithoutInternetEgress: Rule = {
  id: 'NV-LMB-001',
  severity: 'warning',
  description:
    'VPC Lambda function with no internet egress: it cannot reach SES, most AWS APIs or external services.',
  fix: 'Place the function in private subnets whose route tables send 0.0.0.0/0 to a NAT gateway (with an Elastic IP, in a public subnet), or add VPC endpoints for the AWS services it calls.',
  evaluate(context) {
    const out: RuleOutcome[] = [];
    for (const fn of context.model.workloads.values()) {
      if (fn.kind !== 'lambda-function' || fn.outsideVpc) continue;
      const result = context.path({ from: fn.id, to: 'internet', port: INTERNET_EGRESS_PORT });
      const partial = partlyReachable(result);
      if (blockedSomewhere(result)) {
        out.push(
          violation(
            fn.id,
            `${fn.id} cannot reach the internet on tcp/${INTERNET_EGRESS_PORT}${partial ? ' from some of its subnets' : ''}: ${result.blockedAt?.code} at ${result.blockedAt?.resource}: ${result.blockedAt?.reason}. ${this.fix}`,
          ),
        );
      } else if (result.reachable === 'unknown') {
        out.push(undecided(fn.id, result.blockedAt?.reason ?? 'path undecided'));
      }
    }
    return out;
  },
};
