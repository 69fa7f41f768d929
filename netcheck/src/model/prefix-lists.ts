import { IntervalSet } from '../net/interval-set.js';
import { type Cidr, parseCidr } from '../net/ipv4.js';
import type { CfnValue } from '../template/template-values.js';
import { asString, isRecord, ResourceRef, Unresolved } from '../template/template-values.js';
import type { ModelBuilderContext } from './model-builder-context.js';

/** A prefix list named by a rule or route: its label, and its IPv4 addresses when the template holds them. */
export interface PrefixListContents {
  /** `Anywhere (0.0.0.0/0)` for a template list, the literal id (`pl-…`) otherwise. */
  readonly label: string;
  /** Addresses of its entries; an Unresolved when they are not in the template. */
  readonly addresses: IntervalSet | Unresolved;
  /** Its entries, when known. */
  readonly cidrs: readonly Cidr[];
}

/**
 * Resolves a `SourcePrefixListId` / `DestinationPrefixListId` value. An `AWS::EC2::PrefixList`
 * declared in the loaded templates (`!Ref` and `!GetAtt X.PrefixListId` both give its id) has its
 * `Entries` in the template, so its addresses are known; a literal `pl-…` id (customer- or
 * AWS-managed) has contents netcheck cannot see offline.
 */
export function resolvePrefixList(
  context: ModelBuilderContext,
  value: CfnValue | undefined,
): PrefixListContents {
  const text = asString(value);
  const fallback = typeof text === 'string' ? text : 'prefix list';
  if (!(value instanceof ResourceRef) || context.typeOf(value.logicalId) !== 'AWS::EC2::PrefixList') {
    return {
      label: fallback,
      addresses: new Unresolved(`contents of prefix list ${fallback} are unknown offline`),
      cidrs: [],
    };
  }
  const resource = context.resources.find((candidate) => candidate.id === value.logicalId);
  const id = value.logicalId;
  const unknown = (why: string): PrefixListContents => ({
    label: id,
    addresses: new Unresolved(`prefix list ${id}: ${why}`),
    cidrs: [],
  });
  if (!resource) return unknown('not created');
  if (resource.uncertain) return unknown(`may not exist (${resource.uncertain})`);
  const family = asString(resource.properties.AddressFamily);
  // IPv6 lists never match IPv4 flows, but their entries are not modelled for exposure either.
  if (family !== 'IPv4')
    return unknown(`AddressFamily ${typeof family === 'string' ? family : '?'} is not modelled`);
  const entries = resource.properties.Entries;
  if (entries instanceof Unresolved) return unknown(`Entries: ${entries.reason}`);
  let addresses = IntervalSet.empty();
  const cidrs: Cidr[] = [];
  for (const entry of Array.isArray(entries) ? entries : []) {
    const cidrValue = isRecord(entry) ? entry.Cidr : undefined;
    const cidr = typeof cidrValue === 'string' ? parseCidr(cidrValue) : undefined;
    if (!cidr) return unknown(`entry ${JSON.stringify(cidrValue ?? entry)} is not a literal IPv4 CIDR`);
    addresses = addresses.union(cidr.addresses);
    cidrs.push(cidr);
  }
  const texts = cidrs.map((cidr) => cidr.text).join(', ');
  return { label: `${id} (${texts || 'no entries'})`, addresses, cidrs };
}
