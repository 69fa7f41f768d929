import { parseCidr } from '../net/ipv4.js';
import type { CfnValue } from '../template/template-values.js';
import { asString, isRecord, Unresolved } from '../template/template-values.js';
import { parseIpProtocol, parsePortRange } from './ip-protocol.js';
import type { ModelBuilderContext } from './model-builder-context.js';
import { EXTERNAL_PREFIX, unnamedReferenceReason } from './model-builder-context.js';
import type {
  SecurityGroup,
  SecurityGroupPeer,
  SecurityGroupRule,
  SecurityGroupRuleOrigin,
} from './network-model.js';
import { resolvePrefixList } from './prefix-lists.js';
import { vpcIdOf } from './vpc-topology-builder.js';

/**
 * True for the egress rule CDK emits when `allowAllOutbound: false` and no other egress exists:
 * ICMP type 252 code 86 to 255.255.255.255/32 matches no real traffic, so it means "deny all", and
 * its presence stops CloudFormation from adding the default allow-all egress.
 */
export function isCdkPlaceholderEgress(rule: Record<string, CfnValue>): boolean {
  return (
    rule.CidrIp === '255.255.255.255/32' &&
    String(rule.IpProtocol) === 'icmp' &&
    Number(rule.FromPort) === 252 &&
    Number(rule.ToPort) === 86
  );
}

function peerOf(
  context: ModelBuilderContext,
  rule: Record<string, CfnValue>,
  direction: 'ingress' | 'egress',
): SecurityGroupPeer | undefined {
  const groupKey = direction === 'ingress' ? 'SourceSecurityGroupId' : 'DestinationSecurityGroupId';
  const prefixKey = direction === 'ingress' ? 'SourcePrefixListId' : 'DestinationPrefixListId';
  if (rule.CidrIp !== undefined) {
    const cidr =
      rule.CidrIp instanceof Unresolved
        ? rule.CidrIp
        : typeof rule.CidrIp === 'string'
          ? parseCidr(rule.CidrIp)
          : undefined;
    if (cidr instanceof Unresolved) return { kind: 'unresolved', reason: `CidrIp: ${cidr.reason}` };
    return cidr
      ? { kind: 'cidr', cidr }
      : { kind: 'unresolved', reason: `CidrIp ${JSON.stringify(rule.CidrIp)} is not a valid IPv4 CIDR` };
  }
  if (rule[groupKey] !== undefined) {
    const id = context.referenceId(rule[groupKey], ['AWS::EC2::SecurityGroup']);
    return id instanceof Unresolved || id === undefined
      ? { kind: 'unresolved', reason: `${groupKey}: ${id?.reason ?? 'empty'}`, securityGroup: true }
      : { kind: 'security-group', groupId: id };
  }
  if (rule.SourceSecurityGroupName !== undefined) {
    return {
      kind: 'unresolved',
      reason: 'SourceSecurityGroupName refers to a group by name (default VPC / EC2-Classic)',
      securityGroup: true,
    };
  }
  if (rule[prefixKey] !== undefined) {
    const { label, addresses } = resolvePrefixList(context, rule[prefixKey]);
    return { kind: 'prefix-list', label, addresses };
  }
  // IPv6 rules do not affect IPv4 reachability, but are kept: `::/0` exposes a port (NV-SG-001).
  if (rule.CidrIpv6 !== undefined) {
    const text = asString(rule.CidrIpv6);
    return { kind: 'ipv6-cidr', cidr: text ?? new Unresolved('CidrIpv6 is empty') };
  }
  return undefined;
}

function ruleFrom(
  context: ModelBuilderContext,
  groupId: string,
  id: string,
  direction: 'ingress' | 'egress',
  rule: Record<string, CfnValue>,
  origin: SecurityGroupRuleOrigin,
  uncertain: string | undefined,
): SecurityGroupRule | undefined {
  const peer = peerOf(context, rule, direction);
  if (!peer) return undefined;
  const protocol = parseIpProtocol(rule.IpProtocol);
  const description = asString(rule.Description);
  return {
    id,
    groupId,
    direction,
    protocol,
    ports: parsePortRange(protocol, rule.FromPort, rule.ToPort),
    peer,
    origin,
    description: typeof description === 'string' ? description : undefined,
    uncertain,
  };
}

function allowAll(
  groupId: string,
  id: string,
  direction: 'ingress' | 'egress',
  origin: SecurityGroupRuleOrigin,
  peer: SecurityGroupPeer,
): SecurityGroupRule {
  const protocol = 'all';
  return {
    id,
    groupId,
    direction,
    protocol,
    ports: parsePortRange(protocol, undefined, undefined),
    peer,
    origin,
  };
}

/** A rule whose protocol, ports and peer are all unknown (answers depending on it are unknown). */
function unresolvedRule(
  groupId: string,
  id: string,
  direction: 'ingress' | 'egress',
  reason: Unresolved,
): SecurityGroupRule {
  return {
    id,
    groupId,
    direction,
    protocol: reason,
    ports: reason,
    peer: { kind: 'unresolved', reason: reason.reason },
    origin: 'inline',
  };
}

const ANYWHERE = parseCidr('0.0.0.0/0');

/** Builds security groups (inline and standalone rules, defaults) into the context's model. */
export function buildSecurityGroups(context: ModelBuilderContext): void {
  const groups = context.model.securityGroups;
  const anywhere: SecurityGroupPeer = ANYWHERE
    ? { kind: 'cidr', cidr: ANYWHERE }
    : { kind: 'unresolved', reason: '' };
  for (const vpc of context.model.vpcs.values()) {
    // Every VPC has a default group: all traffic from members of itself, all egress.
    const id = vpc.defaultSecurityGroupId;
    groups.set(id, {
      id,
      vpcId: vpc.id,
      external: vpc.external,
      ingress: vpc.external
        ? []
        : [
            allowAll(id, `${id}.ingress`, 'ingress', 'vpc-default-group', {
              kind: 'security-group',
              groupId: id,
            }),
          ],
      egress: vpc.external ? [] : [allowAll(id, `${id}.egress`, 'egress', 'vpc-default-group', anywhere)],
      defaultEgress: true,
      cdkDenyAllEgress: false,
    });
  }
  for (const resource of context.ofType('AWS::EC2::SecurityGroup')) {
    const properties = resource.properties;
    const group: { -readonly [K in keyof SecurityGroup]: SecurityGroup[K] } = {
      id: resource.id,
      vpcId: properties.VpcId === undefined ? undefined : vpcIdOf(context, properties.VpcId),
      external: false,
      ingress: [],
      egress: [],
      defaultEgress: false,
      cdkDenyAllEgress: false,
    };
    for (const direction of ['ingress', 'egress'] as const) {
      const key = direction === 'ingress' ? 'SecurityGroupIngress' : 'SecurityGroupEgress';
      const list = properties[key];
      if (list instanceof Unresolved) {
        group[direction].push(unresolvedRule(resource.id, `${resource.id}.${key}`, direction, list));
        continue;
      }
      if (list !== undefined && list !== null && !Array.isArray(list)) {
        // CloudFormation rejects a single rule given as a map; dropping it would hide e.g. an
        // open port, so it is an unknown rule and the shape is reported.
        const reason = new Unresolved(`${key} of ${resource.id} must be a list of rules`);
        group[direction].push(unresolvedRule(resource.id, `${resource.id}.${key}`, direction, reason));
        context.diagnose(
          resource.id,
          `${key} must be a list of rules, not ${typeof list === 'object' ? 'a map' : `a ${typeof list}`} (CloudFormation rejects it); answers through this group are unknown`,
        );
        continue;
      }
      const rules = Array.isArray(list) ? list : [];
      rules.forEach((rule, index) => {
        if (!isRecord(rule)) {
          // e.g. `!If [Cond, {rule}, !Ref AWS::NoValue]` with an unresolved condition: the rule may
          // or may not exist, so it must make answers unknown rather than be dropped.
          const reason =
            rule instanceof Unresolved
              ? rule
              : new Unresolved(`rule is not an object: ${JSON.stringify(rule)}`);
          group[direction].push(
            unresolvedRule(resource.id, `${resource.id}.${key}[${index}]`, direction, reason),
          );
          return;
        }
        const placeholder = direction === 'egress' && isCdkPlaceholderEgress(rule);
        const built = ruleFrom(
          context,
          resource.id,
          `${resource.id}.${key}[${index}]`,
          direction,
          rule,
          placeholder ? 'cdk-placeholder' : 'inline',
          resource.uncertain,
        );
        if (built) group[direction].push(built);
      });
      if (direction === 'egress') {
        group.cdkDenyAllEgress = rules.length === 1 && isRecord(rules[0]) && isCdkPlaceholderEgress(rules[0]);
        // CloudFormation keeps EC2's allow-all egress unless inline egress rules are given.
        if (rules.length === 0) {
          group.defaultEgress = true;
          group.egress.push(
            allowAll(
              resource.id,
              `${resource.id}.(default egress)`,
              'egress',
              'cloudformation-default-egress',
              anywhere,
            ),
          );
        }
      }
    }
    groups.set(resource.id, group);
  }
  for (const resource of context.ofType('AWS::EC2::SecurityGroupIngress', 'AWS::EC2::SecurityGroupEgress')) {
    const direction = resource.type === 'AWS::EC2::SecurityGroupIngress' ? 'ingress' : 'egress';
    const reference = context.reference(resource.properties.GroupId, ['AWS::EC2::SecurityGroup']);
    const group = reference?.kind === 'resource' ? groups.get(reference.id) : undefined;
    if (group) {
      const rule = ruleFrom(
        context,
        group.id,
        resource.id,
        direction,
        resource.properties,
        'standalone',
        resource.uncertain,
      );
      if (rule) group[direction].push(rule);
      continue;
    }
    if (reference?.kind === 'external') {
      // Answers through a group declared elsewhere are already unknown (its rules are not here).
      context.diagnose(
        resource.id,
        `rule for security group ${reference.id.slice(EXTERNAL_PREFIX.length)}, which is outside the loaded templates`,
      );
      continue;
    }
    // The group cannot be named (unresolved !If, import, wrong type): the rule may belong to any
    // group of the templates, so it is an uncertain rule of each of them — never dropped.
    const why = unnamedReferenceReason('GroupId', reference, 'a security group');
    const uncertain = `${resource.id} may apply to this group (${why})`;
    for (const candidate of groups.values()) {
      if (candidate.external) continue;
      const rule = ruleFrom(
        context,
        candidate.id,
        resource.id,
        direction,
        resource.properties,
        'standalone',
        uncertain,
      );
      if (rule) candidate[direction].push(rule);
    }
    context.diagnose(
      resource.id,
      `security group of this rule cannot be resolved (${why}); answers it may affect are unknown`,
    );
  }
}
