import { type Cidr, parseCidr } from '../net/ipv4.js';
import type { CfnValue } from '../template/template-values.js';
import { asList, ResourceRef, Unresolved } from '../template/template-values.js';
import type { NetworkModel } from './network-model.js';

/** A resource after Condition and intrinsic evaluation. */
export interface ResolvedResource {
  /** Model id. */
  readonly id: string;
  readonly type: string;
  readonly properties: Record<string, CfnValue>;
  /** Set when the resource's Condition could not be evaluated (it may or may not exist). */
  readonly uncertain?: string;
}

/** What a property that should name another resource actually names. */
export type Reference =
  | { readonly kind: 'resource'; readonly id: string; readonly type: string }
  /** A literal physical id or ARN (or a parameter value): a resource outside the loaded templates. */
  | { readonly kind: 'external'; readonly id: string }
  /** A Ref to a resource that is not created (false Condition) or has an unexpected type. */
  | { readonly kind: 'missing'; readonly id: string; readonly reason: string }
  | { readonly kind: 'unresolved'; readonly reason: string };

/** Prefix for ids of things referenced by the template but declared elsewhere. */
export const EXTERNAL_PREFIX = 'external:';

/**
 * Why `reference`, read from `property`, names no resource of the expected kind in the loaded
 * templates (`expected`: "a network ACL"; by default "in the loaded templates"): the reason an
 * answer that depends on it is unknown.
 */
export function unnamedReferenceReason(
  property: string,
  reference: Reference | undefined,
  expected = 'in the loaded templates',
): string {
  if (reference === undefined) return `no ${property}`;
  if (reference.kind === 'unresolved') return `${property}: ${reference.reason}`;
  if (reference.kind === 'missing') return `${property} ${reference.id} ${reference.reason}`;
  return `${property} ${reference.id} is not ${expected}`;
}

/**
 * Shared state while building a {@link NetworkModel}: the resolved resources, their types, and the
 * helpers every builder uses to turn property values into references, CIDRs and lists.
 */
export class ModelBuilderContext {
  /** Model ids of resources present in a template but not created (Condition false). */
  readonly absent = new Map<string, string>();

  constructor(
    readonly model: NetworkModel,
    readonly resources: readonly ResolvedResource[],
    private readonly types: ReadonlyMap<string, string>,
    /** Per template prefix (`Stack/`, or '' for a single template): its Region, when given (`--param AWS::Region=…`). */
    private readonly regions: ReadonlyMap<string, string> = new Map(),
  ) {}

  /** The Region of the template that declares a model id; undefined when not given. */
  regionOf(id: string): string | undefined {
    return this.regions.get(id.slice(0, id.lastIndexOf('/') + 1));
  }

  /** Resources of one CloudFormation type. */
  ofType(...types: string[]): ResolvedResource[] {
    return this.resources.filter((resource) => types.includes(resource.type));
  }

  /** The CloudFormation type of a created resource. */
  typeOf(id: string): string | undefined {
    return this.absent.has(id) ? undefined : this.types.get(id);
  }

  /** Interprets a value that names a resource (Ref, GetAtt, literal id). */
  reference(value: CfnValue | undefined, expectedTypes?: readonly string[]): Reference | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    if (value instanceof Unresolved) return { kind: 'unresolved', reason: value.reason };
    if (value instanceof ResourceRef) {
      const type = this.types.get(value.logicalId);
      if (type === undefined) return { kind: 'missing', id: value.logicalId, reason: 'not declared' };
      const absentReason = this.absent.get(value.logicalId);
      if (absentReason) return { kind: 'missing', id: value.logicalId, reason: absentReason };
      const builtIn = this.vpcBuiltIn(value, type);
      if (builtIn) return builtIn;
      if (expectedTypes && !expectedTypes.includes(type)) {
        return {
          kind: 'missing',
          id: value.logicalId,
          reason: `is a ${type}, not ${expectedTypes.join(' or ')}`,
        };
      }
      return { kind: 'resource', id: value.logicalId, type };
    }
    if (typeof value === 'string') return { kind: 'external', id: `${EXTERNAL_PREFIX}${value}` };
    return { kind: 'unresolved', reason: `unexpected value ${JSON.stringify(value)}` };
  }

  /**
   * `Fn::GetAtt [Vpc, DefaultSecurityGroup]` / `[Vpc, DefaultNetworkAcl]`: the VPC's built-in group
   * or ACL, which the model holds under synthetic ids (rules and entries added to them apply).
   */
  private vpcBuiltIn(value: ResourceRef, type: string): Reference | undefined {
    if (type !== 'AWS::EC2::VPC') return undefined;
    const vpc = this.model.vpcs.get(value.logicalId);
    if (!vpc) return undefined;
    if (value.attribute === 'DefaultSecurityGroup')
      return { kind: 'resource', id: vpc.defaultSecurityGroupId, type: 'AWS::EC2::SecurityGroup' };
    if (value.attribute === 'DefaultNetworkAcl')
      return { kind: 'resource', id: vpc.defaultNetworkAclId, type: 'AWS::EC2::NetworkAcl' };
    return undefined;
  }

  /**
   * Interprets a value naming a resource and returns a model id: template resources by their id,
   * literals as `external:<id>`. Missing and unresolved references become an Unresolved.
   */
  referenceId(
    value: CfnValue | undefined,
    expectedTypes?: readonly string[],
  ): string | Unresolved | undefined {
    const reference = this.reference(value, expectedTypes);
    if (!reference) return undefined;
    if (reference.kind === 'resource' || reference.kind === 'external') return reference.id;
    if (reference.kind === 'missing') return new Unresolved(`${reference.id} ${reference.reason}`);
    return new Unresolved(reference.reason);
  }

  /** A list of references → ids, or Unresolved when the list or any member cannot be resolved. */
  referenceIds(value: CfnValue | undefined, expectedTypes?: readonly string[]): string[] | Unresolved {
    const list = asList(value);
    if (list instanceof Unresolved) return list;
    const ids: string[] = [];
    for (const item of list) {
      // `Subnets: !Ref SubnetListParam` resolves to a list nested in a list in some templates.
      const nested = Array.isArray(item) ? item : [item];
      for (const member of nested) {
        const id = this.referenceId(member, expectedTypes);
        if (id instanceof Unresolved) return id;
        if (id !== undefined) ids.push(id);
      }
    }
    return ids;
  }

  /**
   * Every resource an unresolved reference may name: for an `Fn::If` on an undecided condition,
   * the ids its branches name (recursively, lists flattened; a branch naming a resource that is not
   * created is no deployment). Undefined when some alternative is unknown (an import, a parameter
   * without value): it may name anything.
   */
  candidateIds(value: CfnValue | undefined, expectedTypes?: readonly string[]): string[] | undefined {
    if (value === undefined || value === null) return [];
    const values =
      value instanceof Unresolved ? value.alternatives : Array.isArray(value) ? value : undefined;
    if (value instanceof Unresolved && !values) return undefined;
    if (values) {
      const ids = new Set<string>();
      for (const alternative of values) {
        const inner = this.candidateIds(alternative, expectedTypes);
        if (!inner) return undefined;
        for (const id of inner) ids.add(id);
      }
      return [...ids];
    }
    const reference = this.reference(value, expectedTypes);
    if (!reference || reference.kind === 'missing') return [];
    return reference.kind === 'unresolved' ? undefined : [reference.id];
  }

  /**
   * A list of references → the ids that can be resolved, and the members (or the whole list) that
   * cannot, so that one unresolved member does not hide the others.
   */
  referenceList(
    value: CfnValue | undefined,
    expectedTypes?: readonly string[],
  ): { ids: string[]; unresolved: Array<{ value: CfnValue; reason: Unresolved }> } {
    const list = asList(value);
    if (list instanceof Unresolved) return { ids: [], unresolved: [{ value: list, reason: list }] };
    const ids: string[] = [];
    const unresolved: Array<{ value: CfnValue; reason: Unresolved }> = [];
    for (const item of list) {
      for (const member of Array.isArray(item) ? item : [item]) {
        const id = this.referenceId(member, expectedTypes);
        if (id instanceof Unresolved) unresolved.push({ value: member, reason: id });
        else if (id !== undefined) ids.push(id);
      }
    }
    return { ids, unresolved };
  }

  /** Parses a CIDR property value. */
  cidr(value: CfnValue | undefined, what: string): Cidr | Unresolved {
    if (value instanceof Unresolved) return value;
    if (typeof value !== 'string') return new Unresolved(`${what} is not a literal CIDR`);
    return parseCidr(value) ?? new Unresolved(`${what} "${value}" is not a valid IPv4 CIDR`);
  }

  /** Records something that could not be interpreted. */
  diagnose(resource: string, message: string): void {
    this.model.diagnostics.push({ resource, message });
  }
}
