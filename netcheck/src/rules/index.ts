import { adminPortOpenToInternet } from './admin-port-open-to-internet.js';
import { adminPortReachableFromAllowlist } from './admin-port-reachable-from-allowlist.js';
import { computeDirectlyReachableFromInternet } from './compute-directly-reachable-from-internet.js';
import { databaseInPublicSubnet } from './database-in-public-subnet.js';
import { databasePortOpenToInternet } from './database-port-open-to-internet.js';
import { databaseReachableFromInternet } from './database-reachable-from-internet.js';
import { ecsTaskMissingPathToStart } from './ecs-task-missing-path-to-start.js';
import { ineffectiveEgressRestriction } from './ineffective-egress-restriction.js';
import { lambdaInPublicSubnet } from './lambda-in-public-subnet.js';
import { lambdaMissingPathToAwsApi } from './lambda-missing-path-to-aws-api.js';
import { lambdaWithoutInternetEgress } from './lambda-without-internet-egress.js';
import { loadBalancerExposesPrivatePort } from './load-balancer-exposes-private-port.js';
import { loadBalancerSingleAvailabilityZone } from './load-balancer-single-availability-zone.js';
import { loadBalancerTargetChain } from './load-balancer-target-chain.js';
import { natGatewayRouteLoop } from './nat-gateway-route-loop.js';
import { natGatewaySubnetWithoutIgwRoute } from './nat-gateway-subnet-without-igw-route.js';
import { natGatewayWithoutElasticIp } from './nat-gateway-without-elastic-ip.js';
import { networkAclInternetRepliesBlocked } from './network-acl-internet-replies-blocked.js';
import { networkAclReturnPathBlocked } from './network-acl-return-path-blocked.js';
import { privateNatGatewayWithElasticIp } from './private-nat-gateway-with-elastic-ip.js';
import { routeToMissingGateway } from './route-to-missing-gateway.js';
import type { Rule } from './rule.js';
import { secretRotationMissingPath } from './secret-rotation-missing-path.js';
import { securityGroupPairingMismatch } from './security-group-pairing-mismatch.js';
import { shadowedRoute } from './shadowed-route.js';
import { suspiciousRoutePrefix } from './suspicious-route-prefix.js';

/** Every rule netcheck runs, in report order. */
export const ALL_RULES: readonly Rule[] = [
  natGatewayWithoutElasticIp,
  natGatewaySubnetWithoutIgwRoute,
  natGatewayRouteLoop,
  privateNatGatewayWithElasticIp,
  suspiciousRoutePrefix,
  routeToMissingGateway,
  shadowedRoute,
  databasePortOpenToInternet,
  ineffectiveEgressRestriction,
  securityGroupPairingMismatch,
  networkAclReturnPathBlocked,
  networkAclInternetRepliesBlocked,
  databaseReachableFromInternet,
  databaseInPublicSubnet,
  lambdaWithoutInternetEgress,
  lambdaMissingPathToAwsApi,
  lambdaInPublicSubnet,
  ecsTaskMissingPathToStart,
  secretRotationMissingPath,
  loadBalancerTargetChain,
  loadBalancerSingleAvailabilityZone,
  loadBalancerExposesPrivatePort,
  computeDirectlyReachableFromInternet,
  adminPortOpenToInternet,
  adminPortReachableFromAllowlist,
];
