import type { Hop, HopKind, PathResult } from '../engine/path-types.js';

const HOP_LABELS: Readonly<Record<HopKind, string>> = {
  source: 'source',
  'security-group-egress': 'security group egress',
  'security-group-ingress': 'security group ingress',
  'network-acl-outbound': 'network ACL outbound',
  'network-acl-inbound': 'network ACL inbound',
  'route-table': 'route table',
  'nat-gateway': 'NAT gateway',
  'internet-gateway': 'internet gateway',
  'vpc-endpoint': 'VPC endpoint',
  'api-gateway': 'API Gateway',
  'load-balancer': 'load balancer',
  'aws-managed-network': 'AWS-managed network',
  internet: 'internet',
  destination: 'destination',
};

function hopLine(hop: Hop, index: number): string {
  return `  ${String(index + 1).padStart(2)}. [${HOP_LABELS[hop.kind]}] ${hop.resource}: ${hop.detail}`;
}

/** Step-by-step text explanation of a path (the style of seed 000's request flows). */
export function pathText(result: PathResult): string {
  const verdict =
    result.reachable === true ? 'REACHABLE' : result.reachable === false ? 'NOT REACHABLE' : 'UNKNOWN';
  const lines = [`${result.from} → ${result.to} ${result.protocol}/${result.port}: ${verdict}`];
  lines.push(...result.path.map(hopLine));
  if (result.blockedAt) {
    const mark = result.reachable === false ? '✗ blocked at' : '? undecided at';
    lines.push(
      `  ${mark} ${result.blockedAt.resource}: ${result.blockedAt.code}`,
      `     ${result.blockedAt.reason}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** JSON form: `{reachable, path, blockedAt}` plus the query. */
export function pathJson(result: PathResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
