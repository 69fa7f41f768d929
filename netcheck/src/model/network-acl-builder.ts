import { asBoolean, asNumber, asString, isRecord, Unresolved } from '../template/template-values.js';
import { parseIpProtocol, parsePortRange } from './ip-protocol.js';
import type { ModelBuilderContext } from './model-builder-context.js';
import type { NetworkAclEntry } from './network-model.js';
import { vpcIdOf } from './vpc-topology-builder.js';

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
    const aclId = context.referenceId(properties.NetworkAclId, ['AWS::EC2::NetworkAcl']);
    const acl = typeof aclId === 'string' ? context.model.networkAcls.get(aclId) : undefined;
    if (!acl) {
      context.diagnose(resource.id, 'entry for a network ACL outside the loaded templates; ignored');
      continue;
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
      protocol: resource.uncertain ? new Unresolved(resource.uncertain) : protocol,
      ports: parsePortRange(protocol, range.From, range.To),
      addresses: cidr instanceof Unresolved ? cidr : cidr.addresses,
      cidrText: cidr instanceof Unresolved ? '?' : cidr.text,
    };
    if (Number.isNaN(entry.ruleNumber) || egress instanceof Unresolved || action instanceof Unresolved) {
      // An entry whose number, direction or action is unknown makes the whole ACL's answer unknown.
      acl.entries.push({
        ...entry,
        ruleNumber: Number.isNaN(entry.ruleNumber) ? 0 : entry.ruleNumber,
        protocol: new Unresolved(`${resource.id} has unresolved RuleNumber/Egress/RuleAction`),
      });
      continue;
    }
    acl.entries.push(entry);
  }
  for (const acl of context.model.networkAcls.values())
    acl.entries.sort((a, b) => a.ruleNumber - b.ruleNumber);
}
