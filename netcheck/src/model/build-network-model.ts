import {
  type ExportLookup,
  IntrinsicResolver,
  type RawResource,
  resolveProperties,
} from '../template/intrinsic-resolver.js';
import type { ParsedTemplate } from '../template/parse-template.js';
import type { CfnValue, JsonObject, JsonValue } from '../template/template-values.js';
import { Unresolved } from '../template/template-values.js';
import { ModelBuilderContext, type ResolvedResource } from './model-builder-context.js';
import { buildNetworkAcls } from './network-acl-builder.js';
import type { NetworkModel } from './network-model.js';
import { buildSecurityGroups } from './security-group-builder.js';
import { buildVpcTopology } from './vpc-topology-builder.js';
import { buildWorkloads } from './workload-builder.js';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An intrinsic function (`{Ref: …}`, `{"Fn::If": …}`): SAM merges it as a plain value. */
function isIntrinsic(value: JsonObject): boolean {
  const keys = Object.keys(value);
  const [key] = keys;
  return (
    keys.length === 1 && key !== undefined && (key === 'Ref' || key === 'Condition' || key.startsWith('Fn::'))
  );
}

/**
 * SAM's Globals merge (samtranslator `globals.py`): maps merge key by key, recursively; lists are
 * concatenated, global items first; otherwise (scalars, intrinsics, differing shapes) the
 * function's own value wins. Replacing a map would drop e.g. the global SecurityGroupIds when a
 * function sets only its own VpcConfig.SubnetIds.
 */
function mergeSamGlobal(global: JsonValue, local: JsonValue): JsonValue {
  if (Array.isArray(global) && Array.isArray(local)) return [...global, ...local];
  if (isObject(global) && isObject(local) && !isIntrinsic(global) && !isIntrinsic(local)) {
    const merged: JsonObject = { ...global };
    for (const [key, value] of Object.entries(local)) {
      const inherited = merged[key];
      merged[key] = inherited === undefined ? value : mergeSamGlobal(inherited, value);
    }
    return merged;
  }
  return local;
}

/** SAM's Globals.Function section applies to every AWS::Serverless::Function. */
function withSamGlobals(template: ParsedTemplate, resource: RawResource): RawResource {
  if (resource.Type !== 'AWS::Serverless::Function') return resource;
  const globals = template.body.Globals;
  const functionGlobals = isObject(globals) && isObject(globals.Function) ? globals.Function : undefined;
  if (!functionGlobals) return resource;
  const merged = mergeSamGlobal(functionGlobals, resource.Properties ?? {});
  return { ...resource, Properties: isObject(merged) ? merged : functionGlobals };
}

function uniqueNames(templates: readonly ParsedTemplate[]): string[] {
  const seen = new Map<string, number>();
  return templates.map((template) => {
    const count = (seen.get(template.name) ?? 0) + 1;
    seen.set(template.name, count);
    return count === 1 ? template.name : `${template.name}${count}`;
  });
}

/** Creates an empty model. */
function emptyModel(names: string[], resourceTypes: Map<string, string>): NetworkModel {
  return {
    templates: names,
    resourceTypes,
    vpcs: new Map(),
    subnets: new Map(),
    routeTables: new Map(),
    internetGateways: new Map(),
    natGateways: new Map(),
    securityGroups: new Map(),
    networkAcls: new Map(),
    vpcEndpoints: new Map(),
    workloads: new Map(),
    targetGroups: new Map(),
    diagnostics: [],
    unresolvedContent: [],
  };
}

/**
 * Builds the network model from one or more parsed templates. Several templates (e.g. every stack
 * of a `cdk.out`) are combined into one network; their resource ids are then prefixed with the
 * template name (`Network/Vpc`) and `Fn::ImportValue` is resolved against the other templates'
 * exported Outputs.
 */
export function buildNetworkModel(templates: readonly ParsedTemplate[]): NetworkModel {
  const names = uniqueNames(templates);
  const prefixed = templates.length > 1;
  let exportTable: Map<string, { stack: string; value: () => CfnValue | undefined }[]> | undefined;
  const resolvers: IntrinsicResolver[] = [];
  const inProgress = new Set<string>();
  const lookupExport: ExportLookup = (name) => {
    if (!exportTable) {
      exportTable = new Map();
      for (const resolver of resolvers) {
        const outputs = resolver.template.body.Outputs;
        if (!isObject(outputs)) continue;
        for (const output of Object.values(outputs)) {
          if (!isObject(output) || !isObject(output.Export)) continue;
          const exportName = resolver.resolve(output.Export.Name);
          if (typeof exportName !== 'string') continue;
          const exporters = exportTable.get(exportName) ?? [];
          exporters.push({ stack: resolver.template.name, value: () => resolver.resolve(output.Value) });
          exportTable.set(exportName, exporters);
        }
      }
    }
    const exporters = exportTable.get(name);
    // An export whose value imports itself (directly or not) must not recurse forever.
    if (!exporters || inProgress.has(name)) return undefined;
    inProgress.add(name);
    try {
      if (exporters.length === 1) return exporters[0]?.value();
      // Two loaded stacks export the name (CloudFormation refuses the second, so one of them is
      // not what is deployed): either value, never silently the last one (found in review,
      // 2026-12-07).
      return new Unresolved(
        `Fn::ImportValue "${name}" is exported by ${exporters.map((exporter) => exporter.stack).join(' and ')}`,
        undefined,
        exporters.map((exporter) => exporter.value()),
      );
    } finally {
      inProgress.delete(name);
    }
  };
  templates.forEach((template, index) => {
    const name = names[index] as string;
    resolvers.push(new IntrinsicResolver({ ...template, name }, prefixed ? `${name}/` : '', lookupExport));
  });

  const resourceTypes = new Map<string, string>();
  const model = emptyModel(names, resourceTypes);
  const resolved: ResolvedResource[] = [];
  const raw = new Map<string, JsonObject>();
  const absent = new Map<string, string>();
  for (const resolver of resolvers) {
    for (const [logicalId, original] of Object.entries(resolver.rawResources())) {
      if (logicalId.startsWith('Fn::ForEach::')) {
        // AWS::LanguageExtensions loops are not expanded: the resources they create are unknown.
        model.unresolvedContent.push({
          resource: resolver.modelId(logicalId),
          message: `${logicalId} creates resources from a loop netcheck does not expand (AWS::LanguageExtensions); every answer is unknown; check the processed template instead (\`aws cloudformation get-template --template-stage Processed\`) or list the resources`,
        });
        continue;
      }
      if (!original || typeof original.Type !== 'string') continue;
      const id = resolver.modelId(logicalId);
      resourceTypes.set(id, original.Type);
      const exists = resolver.resourceExists(logicalId);
      if (exists === false) {
        absent.set(id, `is not created (Condition ${original.Condition} is false)`);
        continue;
      }
      const resource = withSamGlobals(resolver.template, original);
      raw.set(id, resource.Properties ?? {});
      resolved.push({
        id,
        type: resource.Type,
        properties: resolveProperties(resolver, resource),
        uncertain:
          exists instanceof Unresolved ? `Condition ${original.Condition}: ${exists.reason}` : undefined,
      });
    }
  }
  const regions = new Map<string, string>();
  templates.forEach((template, index) => {
    const region = template.params['AWS::Region'];
    if (region) regions.set(prefixed ? `${names[index]}/` : '', region);
  });
  const context = new ModelBuilderContext(model, resolved, resourceTypes, regions);
  for (const [id, reason] of absent) context.absent.set(id, reason);
  buildVpcTopology(context);
  buildSecurityGroups(context);
  buildNetworkAcls(context);
  buildWorkloads(context, raw);
  return model;
}
