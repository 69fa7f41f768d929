import { ALL_IPV4, ALL_PORTS } from '../net/address-space.js';
import { asBoolean, asNumber, asString, isRecord, Unresolved } from '../template/template-values.js';
import { parseIpProtocol, parsePortRange } from './ip-protocol.js';
import type { ModelBuilderContext } from './model-builder-context.js';
import { EXTERNAL_PREFIX, unnamedReferenceReason } from './model-builder-context.js';
import type { NetworkAcl, NetworkAclEntry } from './network-model.js';
import { vpcIdOf } from './vpc-topology-builder.js';

/**
 * A VPC's default network ACL allows everything through its rule #100 in each direction. Once the
 * templates add entries to it (`NetworkAclId: !GetAtt Vpc.DefaultNetworkAcl`), those built-in
 * entries are listed so the added ones are evaluated in rule order before them.
 */
function withBuiltInEntries(acl: NetworkAcl): void {
  if (!acl.isDefault || acl.entries.length > 0) return;
  for (const egress of [false, true]) {
    acl.entries.push({
      id: `${acl.id}#100-${egress ? 'egress' : 'ingress'}`,
      ruleNumber: 100,
      egress,
      action: 'allow',
      protocol: 'all',
      ports: ALL_PORTS,
      addresses: ALL_IPV4,
      cidrText: '0.0.0.0/0',
    });
  }
}

/** Builds network ACLs and their entries into the context's model. */
export function buildNetworkAcls(context: ModelBuilderContext): void {
  for (const resource of context.ofType('AWS::EC2::NetworkAcl')) {
    context.model.networkAcls.set(resource.id, {
      id: resource.id,
      vpcId: vpcIdOf(context, resource.properties.VpcId),
      isDefault: false,
      entries: [],
    });
  }
  for (const resource of context.ofType('AWS::EC2::NetworkAclEntry')) {
    const properties = resource.properties;
    const reference = context.reference(properties.NetworkAclId, ['AWS::EC2::NetworkAcl']);
    const acl = reference?.kind === 'resource' ? context.model.networkAcls.get(reference.id) : undefined;
    let targets: NetworkAcl[];
    let uncertain = resource.uncertain;
    if (acl) targets = [acl];
    else if (reference?.kind === 'external') {
      // Subnets associated with an ACL declared elsewhere already get unknown answers.
      context.diagnose(
        resource.id,
        `entry for network ACL ${reference.id.slice(EXTERNAL_PREFIX.length)}, which is outside the loaded templates`,
      );
      continue;
    } else {
      // The ACL cannot be named: the entry may belong to any ACL of the templates (an uncertain
      // entry of each, which makes their answers unknown from its rule number on) — never dropped.
      const why = unnamedReferenceReason('NetworkAclId', reference, 'a network ACL');
      uncertain = `${resource.id} may apply to this network ACL (${why})`;
      targets = [...context.model.networkAcls.values()].filter(
        (candidate) => !context.model.vpcs.get(candidate.vpcId)?.external,
      );
      context.diagnose(
        resource.id,
        `network ACL of this entry cannot be resolved (${why}); answers it may affect are unknown`,
      );
    }
    if (properties.CidrBlock === undefined) continue; // IPv6 entry
    const protocol = parseIpProtocol(properties.Protocol);
    const range = isRecord(properties.PortRange) ? properties.PortRange : {};
    const cidr = context.cidr(properties.CidrBlock, `${resource.id}.CidrBlock`);
    const number = asNumber(properties.RuleNumber);
    const egress = asBoolean(properties.Egress);
    const action = asString(properties.RuleAction);
    const entry: NetworkAclEntry = {
      id: resource.id,
      ruleNumber: typeof number === 'number' ? number : Number.NaN,
      egress: egress === true,
      action: action === 'allow' ? 'allow' : 'deny',
      protocol: uncertain ? new Unresolved(uncertain) : protocol,
      ports: parsePortRange(protocol, range.From, range.To),
      addresses: cidr instanceof Unresolved ? cidr : cidr.addresses,
      cidrText: cidr instanceof Unresolved ? '?' : cidr.text,
    };
    const undecidable =
      Number.isNaN(entry.ruleNumber) || egress instanceof Unresolved || action instanceof Unresolved;
    for (const target of targets) {
      withBuiltInEntries(target);
      if (undecidable) {
        // An entry whose number, direction or action is unknown makes the whole ACL's answer unknown
        // (in both directions when the direction itself is unknown).
        const directions = egress instanceof Unresolved ? [false, true] : [entry.egress];
        for (const direction of directions) {
          target.entries.push({
            ...entry,
            egress: direction,
            ruleNumber: Number.isNaN(entry.ruleNumber) ? 0 : entry.ruleNumber,
            protocol: new Unresolved(`${resource.id} has unresolved RuleNumber/Egress/RuleAction`),
          });
        }
      } else target.entries.push(entry);
    }
  }
  for (const acl of context.model.networkAcls.values())
    acl.entries.sort((a, b) => a.ruleNumber - b.ruleNumber);
}
