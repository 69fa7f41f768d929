import { parseCidr } from '../net/ipv4.js';
import type { ParsedTemplate } from './parse-template.js';
import {
  type CfnValue,
  isRecord,
  type JsonObject,
  type JsonValue,
  ResourceRef,
  Unresolved,
} from './template-values.js';

/** Marker for `AWS::NoValue`: the surrounding property or list element is removed. */
const NO_VALUE = Symbol('AWS::NoValue');
type Evaluated = CfnValue | typeof NO_VALUE;

/** Looks up a cross-stack export (`Fn::ImportValue`) among the other loaded templates. */
export type ExportLookup = (exportName: string) => CfnValue | undefined;

/** A raw resource entry of a template. */
export interface RawResource {
  readonly Type: string;
  readonly Properties?: JsonObject;
  readonly Condition?: string;
  readonly DependsOn?: JsonValue;
  readonly Metadata?: JsonObject;
}

const MAX_DEPTH = 64;

/** Prefix of the values `Fn::GetAZs` evaluates to (see {@link getAzsEntry}). */
export const GET_AZS_ENTRY_PREFIX = 'Fn::GetAZs:';

/**
 * The `index`-th entry of `Fn::GetAZs` for `region` ('' when the region is unknown): a positional
 * placeholder, `Fn::GetAZs:<region>#<index>`, never mistaken for a literal zone name.
 */
export function getAzsEntry(region: string, index: number): string {
  return `${GET_AZS_ENTRY_PREFIX}${region}#${index}`;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: CfnValue): string {
  if (value instanceof Unresolved) return value.reason;
  if (value instanceof ResourceRef)
    return `physical id of ${value.logicalId}${value.attribute ? `.${value.attribute}` : ''}`;
  return JSON.stringify(value);
}

/** Text of a value inside Fn::Join / Fn::Sub, or an Unresolved explaining the missing piece. */
function textOf(value: CfnValue): string | Unresolved {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Unresolved) return value;
  return new Unresolved(describe(value));
}

/** Concatenates parts, keeping a `*`-holed partial string when some parts are unknown. */
function concat(parts: Array<string | Unresolved>): string | Unresolved {
  const unknown = parts.filter((part): part is Unresolved => part instanceof Unresolved);
  if (unknown.length === 0) return parts.join('');
  const partial = parts.map((part) => (part instanceof Unresolved ? (part.partial ?? '*') : part)).join('');
  return new Unresolved([...new Set(unknown.map((part) => part.reason))].join('; '), partial);
}

/**
 * Evaluates CloudFormation intrinsic functions for one template: parameters (given values, then
 * Defaults), pseudo parameters, Mappings, Conditions, Fn::* functions. Resource references become
 * {@link ResourceRef}s; anything that depends on deploy-time state becomes {@link Unresolved}.
 */
export class IntrinsicResolver {
  private readonly resources: Readonly<Record<string, RawResource>>;
  private readonly conditionCache = new Map<string, boolean | Unresolved>();
  private readonly conditionsInProgress = new Set<string>();

  /**
   * @param template the parsed template.
   * @param idPrefix prefix applied to logical ids (e.g. `Network/`) when several templates are combined.
   * @param lookupExport resolves `Fn::ImportValue` against other loaded templates' Outputs.
   */
  constructor(
    readonly template: ParsedTemplate,
    readonly idPrefix: string,
    private readonly lookupExport: ExportLookup = () => undefined,
  ) {
    this.resources = (isObject(template.body.Resources) ? template.body.Resources : {}) as unknown as Record<
      string,
      RawResource
    >;
  }

  /** The template's resources keyed by (unprefixed) logical id. */
  rawResources(): Readonly<Record<string, RawResource>> {
    return this.resources;
  }

  /** The model id for a logical id of this template. */
  modelId(logicalId: string): string {
    return this.idPrefix + logicalId;
  }

  /** Evaluates a raw template value. `AWS::NoValue` yields undefined. */
  resolve(value: JsonValue | undefined): CfnValue | undefined {
    if (value === undefined) return undefined;
    const result = this.evaluate(value, 0);
    return result === NO_VALUE ? undefined : result;
  }

  /** Whether a resource is created, given its `Condition`. */
  resourceExists(logicalId: string): boolean | Unresolved {
    const resource = this.resources[logicalId];
    if (!resource) return false;
    return resource.Condition === undefined ? true : this.condition(resource.Condition);
  }

  /** Evaluates a named condition from the Conditions section. */
  condition(name: string): boolean | Unresolved {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const conditions = this.template.body.Conditions;
    const definition = isObject(conditions) ? conditions[name] : undefined;
    let result: boolean | Unresolved;
    if (definition === undefined) {
      result = new Unresolved(`condition ${name} is not defined`);
    } else if (this.conditionsInProgress.has(name)) {
      result = new Unresolved(`condition ${name} refers to itself`);
    } else {
      this.conditionsInProgress.add(name);
      result = this.toBoolean(this.evaluate(definition, 0), `condition ${name}`);
      this.conditionsInProgress.delete(name);
    }
    this.conditionCache.set(name, result);
    return result;
  }

  private toBoolean(value: Evaluated, what: string): boolean | Unresolved {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    if (value instanceof Unresolved) return value;
    return new Unresolved(`${what} is not a boolean`);
  }

  private evaluate(value: JsonValue, depth: number): Evaluated {
    if (depth > MAX_DEPTH) return new Unresolved('intrinsic nesting too deep');
    if (Array.isArray(value)) {
      const out: CfnValue[] = [];
      for (const item of value) {
        const evaluated = this.evaluate(item, depth + 1);
        if (evaluated !== NO_VALUE) out.push(evaluated);
      }
      return out;
    }
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0] as string;
      const argument = value[key] as JsonValue;
      if (key === 'Ref') return this.ref(argument, depth);
      if (key === 'Condition' && typeof argument === 'string') return this.condition(argument);
      if (key.startsWith('Fn::')) return this.fn(key, argument, depth);
    }
    const out: Record<string, CfnValue> = {};
    for (const key of keys) {
      const evaluated = this.evaluate(value[key] as JsonValue, depth + 1);
      if (evaluated !== NO_VALUE) out[key] = evaluated;
    }
    return out;
  }

  private ref(argument: JsonValue, depth: number): Evaluated {
    const name = this.evaluate(argument, depth + 1);
    if (typeof name !== 'string') return new Unresolved('Ref with a non-literal name');
    if (name === 'AWS::NoValue') return NO_VALUE;
    const given = this.template.params[name];
    if (name.startsWith('AWS::')) return given ?? this.pseudoParameter(name);
    if (this.resources[name]) return new ResourceRef(this.modelId(name));
    return this.parameter(name, given);
  }

  private pseudoParameter(name: string): CfnValue {
    switch (name) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        // Assumed equal to the template's name (true for `cdk synth` output); only used in names.
        return this.template.name;
      case 'AWS::NotificationARNs':
        return [];
      default:
        return new Unresolved(`pseudo parameter ${name} (pass --param ${name}=…)`, '*');
    }
  }

  private parameter(name: string, given: string | undefined): CfnValue {
    const parameters = this.template.body.Parameters;
    const declaration = isObject(parameters) ? parameters[name] : undefined;
    if (!isObject(declaration)) return new Unresolved(`Ref to unknown name ${name}`);
    const type = typeof declaration.Type === 'string' ? declaration.Type : 'String';
    let text = given;
    // An SSM parameter type's Default is the parameter *name*, not its value.
    if (text === undefined && !type.startsWith('AWS::SSM::Parameter::Value')) {
      const fallback = declaration.Default;
      if (typeof fallback === 'string' || typeof fallback === 'number') text = String(fallback);
      else if (Array.isArray(fallback)) text = fallback.join(',');
    }
    if (text === undefined)
      return new Unresolved(`parameter ${name} has no value (pass --param ${name}=…)`, '*');
    if (type.includes('List<') || type === 'CommaDelimitedList') {
      return text === '' ? [] : text.split(',').map((item) => item.trim());
    }
    return text;
  }

  private fn(key: string, argument: JsonValue, depth: number): Evaluated {
    const next = depth + 1;
    switch (key) {
      case 'Fn::GetAtt':
        return this.getAtt(argument, next);
      case 'Fn::Sub':
        return this.sub(argument, next);
      case 'Fn::Join': {
        if (!Array.isArray(argument) || argument.length !== 2) return new Unresolved('malformed Fn::Join');
        const delimiter = this.evaluate(argument[0] as JsonValue, next);
        const list = this.evaluate(argument[1] as JsonValue, next);
        if (typeof delimiter !== 'string') return new Unresolved('Fn::Join delimiter is not a string');
        if (list instanceof Unresolved) return list;
        if (!Array.isArray(list)) return new Unresolved('Fn::Join of a non-list');
        const parts: Array<string | Unresolved> = [];
        list.forEach((item, index) => {
          if (index > 0) parts.push(delimiter);
          parts.push(textOf(item));
        });
        return concat(parts);
      }
      case 'Fn::Select': {
        if (!Array.isArray(argument) || argument.length !== 2) return new Unresolved('malformed Fn::Select');
        const index = this.evaluate(argument[0] as JsonValue, next);
        const list = this.evaluate(argument[1] as JsonValue, next);
        if (index instanceof Unresolved) return index;
        if (list instanceof Unresolved) return list;
        const position = Number(index);
        if (!Array.isArray(list) || !Number.isInteger(position))
          return new Unresolved('malformed Fn::Select');
        return list[position] ?? new Unresolved(`Fn::Select index ${position} out of range`);
      }
      case 'Fn::Split': {
        if (!Array.isArray(argument) || argument.length !== 2) return new Unresolved('malformed Fn::Split');
        const delimiter = this.evaluate(argument[0] as JsonValue, next);
        const source = this.evaluate(argument[1] as JsonValue, next);
        if (source instanceof Unresolved) return source;
        if (typeof delimiter !== 'string' || typeof source !== 'string') {
          return new Unresolved(`Fn::Split of ${describe(source as CfnValue)}`);
        }
        return source.split(delimiter);
      }
      case 'Fn::GetAZs': {
        const region = this.evaluate(argument, next);
        const named =
          typeof region === 'string' && region !== '' ? region : (this.template.params['AWS::Region'] ?? '');
        // Which zone names a region lists, and in which order, depends on the account, so the
        // entries stay positional rather than guessed names: NV-ALB-002 compares zones, and only
        // "different positions are different zones" is certain.
        return [0, 1, 2, 3, 4, 5].map((index) => getAzsEntry(named, index));
      }
      case 'Fn::If': {
        if (!Array.isArray(argument) || argument.length !== 3 || typeof argument[0] !== 'string') {
          return new Unresolved('malformed Fn::If');
        }
        const chosen = this.condition(argument[0]);
        if (chosen instanceof Unresolved) {
          // Either branch may be deployed: both are kept, so what the value may name is known.
          const branches = [argument[1], argument[2]].map((branch) =>
            this.evaluate(branch as JsonValue, next),
          );
          return new Unresolved(
            `Fn::If on ${chosen.reason}`,
            undefined,
            branches.map((branch) => (branch === NO_VALUE ? undefined : branch)),
            argument[0],
          );
        }
        return this.evaluate(argument[chosen ? 1 : 2] as JsonValue, next);
      }
      case 'Fn::Equals': {
        if (!Array.isArray(argument) || argument.length !== 2) return new Unresolved('malformed Fn::Equals');
        const left = this.evaluate(argument[0] as JsonValue, next);
        const right = this.evaluate(argument[1] as JsonValue, next);
        if (left instanceof Unresolved) return left;
        if (right instanceof Unresolved) return right;
        if (left instanceof ResourceRef || right instanceof ResourceRef) {
          return new Unresolved('Fn::Equals on a resource physical id');
        }
        return JSON.stringify(left) === JSON.stringify(right) || String(left) === String(right);
      }
      case 'Fn::Not': {
        const inner = Array.isArray(argument) ? argument[0] : argument;
        const value = this.toBoolean(this.evaluate(inner as JsonValue, next), 'Fn::Not argument');
        return value instanceof Unresolved ? value : !value;
      }
      case 'Fn::And':
      case 'Fn::Or': {
        if (!Array.isArray(argument)) return new Unresolved(`malformed ${key}`);
        const isAnd = key === 'Fn::And';
        let unknown: Unresolved | undefined;
        for (const item of argument) {
          const value = this.toBoolean(this.evaluate(item, next), `${key} argument`);
          if (value instanceof Unresolved) unknown ??= value;
          // A decisive operand settles the result even if another operand is unknown.
          else if (value !== isAnd) return value;
        }
        return unknown ?? isAnd;
      }
      case 'Fn::FindInMap':
        return this.findInMap(argument, next);
      case 'Fn::ImportValue': {
        const name = this.evaluate(argument, next);
        if (typeof name !== 'string')
          return new Unresolved(`Fn::ImportValue with ${describe(name as CfnValue)}`);
        return (
          this.lookupExport(name) ??
          new Unresolved(`Fn::ImportValue "${name}" (exported by a stack not given to netcheck)`)
        );
      }
      case 'Fn::Cidr':
        return this.cidr(argument, next);
      case 'Fn::Base64': {
        const inner = this.evaluate(argument, next);
        return inner === NO_VALUE ? new Unresolved('Fn::Base64 of nothing') : inner;
      }
      case 'Fn::Length': {
        const list = this.evaluate(argument, next);
        if (list instanceof Unresolved) return list;
        return Array.isArray(list) ? list.length : new Unresolved('Fn::Length of a non-list');
      }
      case 'Fn::ToJsonString': {
        const inner = this.resolve(argument);
        return inner === undefined || JSON.stringify(inner).includes('{}')
          ? new Unresolved('Fn::ToJsonString')
          : JSON.stringify(inner);
      }
      default:
        return new Unresolved(`${key} is not evaluated offline`);
    }
  }

  private getAtt(argument: JsonValue, depth: number): Evaluated {
    let resourceId: CfnValue | undefined;
    let attribute: CfnValue | undefined;
    if (typeof argument === 'string') {
      const dot = argument.indexOf('.');
      resourceId = argument.slice(0, dot);
      attribute = argument.slice(dot + 1);
    } else if (Array.isArray(argument) && argument.length === 2) {
      resourceId = this.resolve(argument[0]);
      attribute = this.resolve(argument[1]);
    }
    if (typeof resourceId !== 'string' || typeof attribute !== 'string')
      return new Unresolved('malformed Fn::GetAtt');
    const resource = this.resources[resourceId];
    if (!resource) return new Unresolved(`Fn::GetAtt on unknown resource ${resourceId}`);
    const props = resource.Properties ?? {};
    const fromProperty = (property: string): Evaluated =>
      props[property] === undefined
        ? new Unresolved(`${resourceId}.${attribute} is not set in the template`)
        : this.evaluate(props[property] as JsonValue, depth + 1);
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::EC2::VPC.CidrBlock':
      case 'AWS::EC2::Subnet.CidrBlock':
        return fromProperty('CidrBlock');
      case 'AWS::EC2::Subnet.VpcId':
      case 'AWS::EC2::SecurityGroup.VpcId':
        return fromProperty('VpcId');
      case 'AWS::EC2::Subnet.AvailabilityZone':
        return fromProperty('AvailabilityZone');
      case 'AWS::EC2::SecurityGroup.GroupId':
        // GroupId and Ref name the same group; one representation keeps SG matching simple.
        return new ResourceRef(this.modelId(resourceId));
      case 'AWS::RDS::DBInstance.Endpoint.Port':
      case 'AWS::RDS::DBCluster.Endpoint.Port':
        return props.Port === undefined
          ? new Unresolved(`${resourceId}.Endpoint.Port (engine default)`)
          : this.evaluate(props.Port as JsonValue, depth + 1);
      default:
        return new ResourceRef(this.modelId(resourceId), attribute);
    }
  }

  private sub(argument: JsonValue, depth: number): Evaluated {
    let text: JsonValue | undefined = argument;
    let variables: JsonObject = {};
    if (Array.isArray(argument)) {
      text = argument[0];
      if (isObject(argument[1])) variables = argument[1];
    }
    if (typeof text !== 'string') return new Unresolved('malformed Fn::Sub');
    const parts: Array<string | Unresolved> = [];
    let last = 0;
    for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
      parts.push(text.slice(last, match.index));
      last = match.index + match[0].length;
      const name = (match[1] ?? '').trim();
      if (name.startsWith('!')) {
        parts.push(`\${${name.slice(1)}}`);
        continue;
      }
      let value: Evaluated;
      if (variables[name] !== undefined) value = this.evaluate(variables[name] as JsonValue, depth + 1);
      else if (name.includes('.') && !name.startsWith('AWS::')) {
        const dot = name.indexOf('.');
        value = this.getAtt([name.slice(0, dot), name.slice(dot + 1)], depth + 1);
      } else value = this.ref(name, depth + 1);
      parts.push(value === NO_VALUE ? '' : textOf(value));
    }
    parts.push(text.slice(last));
    return concat(parts);
  }

  private findInMap(argument: JsonValue, depth: number): Evaluated {
    if (!Array.isArray(argument) || argument.length < 3) return new Unresolved('malformed Fn::FindInMap');
    const keys = argument.slice(0, 3).map((item) => this.evaluate(item, depth));
    const options = argument[3];
    const fallback =
      isObject(options) && options.DefaultValue !== undefined ? options.DefaultValue : undefined;
    const unknown = keys.find((key): key is Unresolved => key instanceof Unresolved);
    if (unknown)
      return fallback === undefined ? unknown : new Unresolved(`Fn::FindInMap with ${unknown.reason}`);
    const [mapName, topKey, secondKey] = keys.map(String) as [string, string, string];
    const mappings = this.template.body.Mappings;
    const map = isObject(mappings) ? mappings[mapName] : undefined;
    const top = isObject(map) ? map[topKey] : undefined;
    const found = isObject(top) ? top[secondKey] : undefined;
    if (found !== undefined) return this.evaluate(found, depth);
    if (fallback !== undefined) return this.evaluate(fallback, depth);
    return new Unresolved(`Fn::FindInMap ${mapName}.${topKey}.${secondKey} not found`);
  }

  private cidr(argument: JsonValue, depth: number): Evaluated {
    if (!Array.isArray(argument) || argument.length !== 3) return new Unresolved('malformed Fn::Cidr');
    const [block, count, bits] = argument.map((item) => this.evaluate(item, depth));
    if (block instanceof Unresolved) return block;
    const parsed = typeof block === 'string' ? parseCidr(block) : undefined;
    const howMany = Number(count);
    const hostBits = Number(bits);
    if (
      !parsed ||
      !Number.isInteger(howMany) ||
      !Number.isInteger(hostBits) ||
      hostBits < 0 ||
      hostBits > 32
    ) {
      return new Unresolved('Fn::Cidr with non-literal arguments');
    }
    const prefix = 32 - hostBits;
    if (prefix < parsed.prefixLength) return new Unresolved('Fn::Cidr asks for blocks larger than the input');
    const size = 2 ** hostBits;
    const start = parsed.addresses.min() ?? 0;
    const out: string[] = [];
    for (let index = 0; index < howMany && index * size < parsed.addresses.size(); index += 1) {
      const base = start + index * size;
      out.push(`${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.')}/${prefix}`);
    }
    return out;
  }
}

/** Returns the `Properties` of a raw resource evaluated as a record (empty when absent). */
export function resolveProperties(
  resolver: IntrinsicResolver,
  resource: RawResource,
): Record<string, CfnValue> {
  const resolved = resolver.resolve(resource.Properties ?? {});
  return isRecord(resolved) ? resolved : {};
}
