/**
 * Why a path is blocked or undecided, in the style of AWS Reachability Analyzer's explanation
 * codes. Codes are stable (tests and consumers match on them); the text is the one place that
 * says what each means.
 */
export const EXPLANATION_CODES = {
  NO_ROUTE_TO_DESTINATION:
    'The route table has no route that sends this traffic (or its return traffic) where it needs to go.',
  ENI_SG_RULES_MISMATCH: 'No security group rule of the network interface allows this traffic.',
  SUBNET_ACL_RESTRICTION: 'The subnet network ACL denies this traffic or its stateless return traffic.',
  IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS:
    'Traffic reaches an internet gateway from an interface without a public IP address.',
  IGW_NOT_ATTACHED: 'The internet gateway is not attached to the VPC (or the VPC has none).',
  NAT_GATEWAY_NO_ELASTIC_IP:
    'The public NAT gateway has no Elastic IP (AllocationId), so it cannot reach the internet.',
  NAT_GATEWAY_PRIVATE_CONNECTIVITY: 'A private NAT gateway cannot send traffic to the internet.',
  NAT_GATEWAY_ROUTE_LOOP:
    "The NAT gateway's own subnet routes public traffic to a NAT gateway instead of an internet gateway.",
  ROUTE_TARGET_MISSING: 'The route points to a gateway that is not created by the template.',
  UNSUPPORTED_ROUTE_TARGET:
    'The route points to a target netcheck does not follow (peering, transit gateway, VPN, instance…).',
  RESOURCE_NOT_PUBLICLY_ACCESSIBLE: 'The destination has no public IP address / is not internet-facing.',
  LAMBDA_NOT_NETWORK_REACHABLE:
    'Lambda network interfaces accept no inbound connections; functions are invoked through the Lambda API.',
  DESTINATION_PORT_NOT_LISTENING: 'The destination does not listen on this port.',
  ENDPOINT_PRIVATE_DNS_UNAVAILABLE:
    "The interface endpoint's private DNS does not apply: the VPC needs EnableDnsSupport and EnableDnsHostnames.",
  UNRESOLVED_VALUE:
    'A value needed to decide could not be resolved offline (parameter, import, external resource).',
  PARTIALLY_REACHABLE: 'Reachable for some placements or addresses and blocked for others.',
} as const;

/** A Reachability-Analyzer-style explanation code. */
export type ExplanationCode = keyof typeof EXPLANATION_CODES;
