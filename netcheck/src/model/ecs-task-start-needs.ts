import type { Sourced } from '../template/sourced-value.js';
import { items, member } from '../template/sourced-value.js';
import type { CfnValue, JsonObject } from '../template/template-values.js';
import { asList, asString, isRecord, ResourceRef, Unresolved } from '../template/template-values.js';
import type { ModelBuilderContext, ResolvedResource } from './model-builder-context.js';
import type { MaybeResolved, TaskStartNeed } from './network-model.js';
import { referencedLogicalIds } from './raw-references.js';

/**
 * A private ECR registry's host: `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]` (unknown
 * account or region are `*` in a partly evaluated value; group 2 is the region). ECR Public
 * (`public.ecr.aws`) is not one: it has no VPC endpoint and is reached over the internet like any
 * public registry.
 */
const PRIVATE_ECR_IMAGE = /^[^/]+\.dkr\.ecr(-fips)?\.([^/.]+)\.amazonaws\.com(\.cn)?\//;

/**
 * Registry hosts known to be on the internet: Docker Hub (also what an image without a host pulls
 * from), ECR Public, GitHub, Quay, Google (Container Registry, Artifact Registry), GitLab,
 * Microsoft and Kubernetes. Any other host (`registry.corp.internal:5000`) may sit in the VPC or
 * behind a transit gateway, VPN or peering: whether the tasks reach it is undecided.
 */
const PUBLIC_REGISTRY_HOSTS = new Set([
  'docker.io',
  'registry-1.docker.io',
  'index.docker.io',
  'public.ecr.aws',
  'ghcr.io',
  'quay.io',
  'gcr.io',
  'registry.gitlab.com',
  'mcr.microsoft.com',
  'registry.k8s.io',
]);
const PUBLIC_REGISTRY_SUFFIXES = ['.gcr.io', '.pkg.dev'];

function isPublicRegistryHost(host: string): boolean {
  const name = host.toLowerCase().replace(/:\d+$/, '');
  return PUBLIC_REGISTRY_HOSTS.has(name) || PUBLIC_REGISTRY_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

type Requirement = TaskStartNeed['requirement'];

/** Whether a service's tasks run on Fargate, and what leaves that open. */
type Launch = { readonly fargate: false } | { readonly fargate: true; readonly uncertain?: string };

/** The template part of a model id (`Stack/` when several templates are loaded, else empty). */
function templatePrefix(id: string): string {
  return id.slice(0, id.lastIndexOf('/') + 1);
}

function isFargateProvider(name: string | Unresolved | undefined): boolean {
  return name === 'FARGATE' || name === 'FARGATE_SPOT';
}

/**
 * Fargate when LaunchType says so, or a capacity provider strategy names FARGATE / FARGATE_SPOT
 * (some tasks run there). With neither, the cluster's default strategy decides (EC2 when it has
 * none), so only the task definition tells: one that does not list FARGATE in
 * RequiresCompatibilities (absent means EC2) cannot run on Fargate; one that lists only FARGATE
 * runs nowhere else.
 */
function fargateLaunch(service: ResolvedResource, task: ResolvedResource | undefined): Launch {
  const launchType = asString(service.properties.LaunchType);
  if (launchType instanceof Unresolved)
    return { fargate: true, uncertain: `LaunchType of ${service.id}: ${launchType.reason}` };
  if (launchType !== undefined) return { fargate: launchType === 'FARGATE' };
  const strategy = asList(service.properties.CapacityProviderStrategy);
  if (strategy instanceof Unresolved)
    return { fargate: true, uncertain: `CapacityProviderStrategy of ${service.id}: ${strategy.reason}` };
  if (strategy.length > 0) {
    const providers = strategy.map((item) => (isRecord(item) ? asString(item.CapacityProvider) : undefined));
    if (providers.some(isFargateProvider)) return { fargate: true };
    const unknown = providers.find((provider): provider is Unresolved => provider instanceof Unresolved);
    return unknown
      ? { fargate: true, uncertain: `a capacity provider of ${service.id}: ${unknown.reason}` }
      : { fargate: false };
  }
  if (!task) return { fargate: true, uncertain: `${service.id} gives no LaunchType` };
  const compatibilities = asList(task.properties.RequiresCompatibilities);
  if (compatibilities instanceof Unresolved)
    return {
      fargate: true,
      uncertain: `RequiresCompatibilities of ${task.id}: ${compatibilities.reason}`,
    };
  const names = compatibilities.map(asString);
  const unknown = names.find((name): name is Unresolved => name instanceof Unresolved);
  if (unknown)
    return { fargate: true, uncertain: `RequiresCompatibilities of ${task.id}: ${unknown.reason}` };
  if (!names.includes('FARGATE')) return { fargate: false };
  if (names.length === 1) return { fargate: true };
  return {
    fargate: true,
    uncertain: `${service.id} gives neither LaunchType nor CapacityProviderStrategy, so its cluster's default capacity provider strategy decides (EC2 when there is none), and ${task.id} allows ${names.join(' and ')}`,
  };
}

/**
 * A value as messages show it: the text; for one netcheck cannot evaluate, the `!Sub` template as
 * written, else its evaluated part with `*` holes, else why it is unknown.
 */
function shown(of: Sourced): string {
  const { value, raw } = of;
  if (typeof value === 'string') return value;
  if (value instanceof ResourceRef)
    return value.attribute ? `!GetAtt ${value.logicalId}.${value.attribute}` : `!Ref ${value.logicalId}`;
  const sub = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw['Fn::Sub'] : undefined;
  if (typeof sub === 'string') return `!Sub ${sub}`;
  if (value instanceof Unresolved)
    return value.partial && value.partial !== '*' ? value.partial : `(${value.reason})`;
  return JSON.stringify(value ?? null);
}

/**
 * Where an image's registry is, and so what pulling it needs: private ECR in the stack's Region
 * (`ecr`: its VPC endpoints serve it), a known public registry or ECR in another Region (`internet`;
 * `note` says why for the latter), or a case netcheck cannot decide (`uncertain`, with every
 * requirement the deployed reading may have).
 */
type ImageSource =
  | { readonly requirement: 'ecr' }
  | { readonly requirement: 'internet'; readonly note?: string }
  | { readonly uncertain: string; readonly requirements: readonly Requirement[] };

/**
 * The registry an image reference's text names. The first path component is a host when it has a
 * `.` or `:` or is `localhost` (Docker's rule), else the image is on Docker Hub (`nginx:1.27`,
 * `library/node`). Undefined when the registry part is not known (`*:latest` from an unresolved
 * repository URI). `region`: the stack's, when given.
 */
function registryOf(text: string, region: string | undefined): ImageSource | undefined {
  const ecr = PRIVATE_ECR_IMAGE.exec(text);
  if (ecr) {
    const imageRegion = ecr[2] ?? '*';
    // `*`: `${AWS::Region}`, or a value netcheck cannot evaluate; read as the stack's Region.
    if (imageRegion.includes('*') || imageRegion === region) return { requirement: 'ecr' };
    if (region === undefined)
      return {
        uncertain: `its image is in ECR in ${imageRegion} and the stack's Region is unknown (pass --param AWS::Region=…); the ECR and S3 VPC endpoints serve only their own Region, so another Region's registry is reached over the internet`,
        requirements: ['ecr', 'internet'],
      };
    return {
      requirement: 'internet',
      note: `ECR in ${imageRegion}, not the stack's Region ${region}: the VPC endpoints serve only their own Region`,
    };
  }
  const slash = text.indexOf('/');
  const first = slash < 0 ? (text.split(/[:@]/)[0] ?? '') : text.slice(0, slash);
  if (first.includes('*')) return undefined;
  const isHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!isHost || isPublicRegistryHost(first)) return { requirement: 'internet' };
  return {
    uncertain: `its registry host ${first} is not a known public registry: it may be in the VPC or reached through a transit gateway, VPN or peering, which netcheck cannot tell from the template`,
    requirements: ['internet'],
  };
}

/** Which resource types a value names, directly or inside an expression netcheck cannot evaluate. */
function namedTypes(context: ModelBuilderContext, of: Sourced, prefix: string): Set<string | undefined> {
  const ids =
    of.value instanceof ResourceRef
      ? [of.value.logicalId]
      : [...referencedLogicalIds(of.raw)].map((id) => prefix + id);
  return new Set(ids.map((id) => context.typeOf(id)));
}

function imageRegistry(
  context: ModelBuilderContext,
  image: Sourced,
  prefix: string,
  region: string | undefined,
): ImageSource {
  const { value } = image;
  const text = typeof value === 'string' ? value : value instanceof Unresolved ? value.partial : undefined;
  const byText = text === undefined ? undefined : registryOf(text, region);
  if (byText) return byText;
  // `!GetAtt Repo.RepositoryUri`, `!Sub ${Repo.RepositoryUri}:tag`, CDK's Join over the Arn.
  if (namedTypes(context, image, prefix).has('AWS::ECR::Repository')) return { requirement: 'ecr' };
  // Either reading may be the deployed one: each must work for a definite "starts".
  const reason =
    value === undefined ? 'no Image' : value instanceof Unresolved ? value.reason : `Image ${shown(image)}`;
  return { uncertain: `the registry of its image is unknown: ${reason}`, requirements: ['ecr', 'internet'] };
}

/**
 * Where a secret's ValueFrom points: a Secrets Manager ARN (a secret's Ref is its ARN; CDK writes a
 * JSON field as `Join [Ref Secret, ':field::']`), an SSM parameter ARN, or a parameter name (a
 * value that is not an ARN names a parameter in the task's Region).
 */
function secretStore(
  context: ModelBuilderContext,
  valueFrom: Sourced,
  prefix: string,
): 'secretsmanager' | 'ssm' | Unresolved {
  const { value } = valueFrom;
  const text = typeof value === 'string' ? value : value instanceof Unresolved ? value.partial : undefined;
  const arn = text === undefined ? undefined : /^arn:[^:]*:([^:]+):/.exec(text);
  if (arn?.[1] === 'secretsmanager' || arn?.[1] === 'ssm') return arn[1];
  if (typeof value === 'string' && !arn) return 'ssm';
  const types = namedTypes(context, valueFrom, prefix);
  if (types.has('AWS::SecretsManager::Secret') || types.has('AWS::SecretsManager::SecretTargetAttachment'))
    return 'secretsmanager';
  if (types.has('AWS::SSM::Parameter')) return 'ssm';
  return new Unresolved(
    value instanceof Unresolved
      ? value.reason
      : `ValueFrom ${shown(valueFrom)} is neither a Secrets Manager nor an SSM ARN`,
  );
}

/**
 * Why a value written in the task definition may be missing from the deployed one: an `Fn::If`
 * whose condition is undecided with `AWS::NoValue` as a branch. Undefined when it is there, even
 * if netcheck cannot evaluate it (a parameter without a value, an import: something is deployed).
 */
function mayBeAbsent(value: CfnValue | undefined): string | undefined {
  return value instanceof Unresolved && value.alternatives?.includes(undefined) ? value.reason : undefined;
}

/** A value that may be absent as messages show it: what it is when present (its other branches). */
function shownWhenPresent(of: Sourced): string {
  const { value } = of;
  const branches = value instanceof Unresolved ? (value.alternatives ?? []) : [];
  const present = branches
    .filter((branch) => branch !== undefined)
    .map((branch) => shown({ value: branch, raw: undefined }));
  return present.length > 0 ? present.join(' or ') : shown(of);
}

/** `Secrets`: one need per store (several secrets of one store in one need). */
function secretNeeds(
  context: ModelBuilderContext,
  container: Sourced,
  where: string,
  prefix: string,
): TaskStartNeed[] {
  const secrets = items(member(container, 'Secrets'));
  if (secrets instanceof Unresolved) {
    const uncertain = `its Secrets are unresolved (${secrets.reason})`;
    return [
      { requirement: 'secretsmanager', purpose: `secrets ${where}`, uncertain },
      { requirement: 'ssm', purpose: `secrets ${where}`, uncertain },
    ];
  }
  const needs: TaskStartNeed[] = [];
  const byStore = new Map<Requirement, string[]>();
  const unknown: Array<{ name: string; reason: string }> = [];
  for (const secret of secrets) {
    const nameValue = asString(member(secret, 'Name').value);
    const name = `secret ${typeof nameValue === 'string' ? nameValue : shown(member(secret, 'Name'))}`;
    const store = secretStore(context, member(secret, 'ValueFrom'), prefix);
    if (store instanceof Unresolved) unknown.push({ name, reason: store.reason });
    else byStore.set(store, [...(byStore.get(store) ?? []), name]);
  }
  for (const [store, names] of byStore)
    needs.push({ requirement: store, purpose: `${names.join(', ')} ${where}` });
  for (const { name, reason } of unknown) {
    const uncertain = `whether its ValueFrom is a Secrets Manager secret or an SSM parameter is unknown (${reason})`;
    needs.push({ requirement: 'secretsmanager', purpose: `${name} ${where}`, uncertain });
    needs.push({ requirement: 'ssm', purpose: `${name} ${where}`, uncertain });
  }
  return needs;
}

/**
 * `RepositoryCredentials` (private registry authentication): the task execution role reads the
 * `CredentialsParameter` secret at task start, through the task's interface. ECS takes only a
 * Secrets Manager secret there (its ARN, or its name in the task's Region), so the need is Secrets
 * Manager whatever the value evaluates to, unlike a `Secrets` ValueFrom, which may be an SSM
 * parameter; it is uncertain only when the credentials may not be in the deployed definition.
 */
function registryCredentialNeeds(container: Sourced, where: string): TaskStartNeed[] {
  const credentials = member(container, 'RepositoryCredentials');
  if (credentials.value instanceof Unresolved)
    return [
      {
        requirement: 'secretsmanager',
        purpose: `registry credentials ${where}`,
        uncertain: `its RepositoryCredentials are unresolved (${credentials.value.reason})`,
      },
    ];
  const parameter = member(credentials, 'CredentialsParameter');
  // Absent: no private registry authentication (CloudFormation rejects credentials without it).
  if (parameter.value === undefined || parameter.value === null) return [];
  const absent = mayBeAbsent(parameter.value);
  const purpose = `registry credentials ${absent ? shownWhenPresent(parameter) : shown(parameter)} ${where}`;
  return [
    absent
      ? {
          requirement: 'secretsmanager',
          purpose,
          uncertain: `its CredentialsParameter may be absent (${absent})`,
        }
      : { requirement: 'secretsmanager', purpose },
  ];
}

/**
 * `EnvironmentFiles`: Fargate downloads each S3 object before the container starts (the only Type
 * ECS accepts is `s3`), so every file listed is a need whatever its Value evaluates to. A list
 * netcheck cannot read may be empty, and an item may be absent: those needs are uncertain. The
 * object's Region is not read (S3 ARNs have none): an S3 gateway endpoint counts as serving it.
 */
function environmentFileNeeds(container: Sourced, where: string): TaskStartNeed[] {
  const files = items(member(container, 'EnvironmentFiles'));
  if (files instanceof Unresolved)
    return [
      {
        requirement: 's3',
        purpose: `environment files ${where}`,
        uncertain: `its EnvironmentFiles are unresolved (${files.reason})`,
      },
    ];
  const needs: TaskStartNeed[] = [];
  const certain: string[] = [];
  for (const file of files) {
    const absent = mayBeAbsent(file.value);
    if (absent)
      needs.push({
        requirement: 's3',
        purpose: `an environment file ${where}`,
        uncertain: `it may be absent (${absent})`,
      });
    else certain.push(shown(member(file, 'Value')));
  }
  if (certain.length > 0)
    needs.unshift({
      requirement: 's3',
      purpose: `environment file${certain.length > 1 ? 's' : ''} ${certain.join(', ')} ${where}`,
    });
  return needs;
}

/** One container's needs: image, awslogs, secrets, registry credentials, environment files. */
function containerNeeds(
  context: ModelBuilderContext,
  container: Sourced,
  label: string,
  prefix: string,
  region: string | undefined,
): TaskStartNeed[] {
  const needs: TaskStartNeed[] = [];
  const where = `(container ${label})`;
  const image = member(container, 'Image');
  const source = imageRegistry(context, image, prefix, region);
  const imagePurpose = `image ${shown(image)} ${where}`;
  if ('uncertain' in source) {
    const { uncertain } = source;
    for (const requirement of source.requirements)
      needs.push({ requirement, purpose: imagePurpose, uncertain });
  } else if (source.requirement === 'internet' && source.note)
    needs.push({
      requirement: 'internet',
      purpose: `image ${shown(image)} (container ${label}; ${source.note})`,
    });
  else needs.push({ requirement: source.requirement, purpose: imagePurpose });

  const driver = asString(member(member(container, 'LogConfiguration'), 'LogDriver').value);
  if (driver === 'awslogs') needs.push({ requirement: 'logs', purpose: `awslogs log driver ${where}` });
  else if (driver instanceof Unresolved)
    needs.push({
      requirement: 'logs',
      purpose: `log driver ${where}`,
      uncertain: `its LogDriver is unresolved (${driver.reason})`,
    });

  return [
    ...needs,
    ...secretNeeds(context, container, where, prefix),
    ...registryCredentialNeeds(container, where),
    ...environmentFileNeeds(container, where),
  ];
}

/**
 * What an ECS service's tasks must reach to start, when they run on Fargate in awsvpc mode (the
 * caller passes only those). Undefined when the launch type is not Fargate; unresolved when the
 * task definition or its container list cannot be read.
 */
export function taskStartNeeds(
  context: ModelBuilderContext,
  raw: ReadonlyMap<string, JsonObject>,
  service: ResolvedResource,
  task: ResolvedResource | undefined,
): MaybeResolved<TaskStartNeed[]> | undefined {
  const launch = fargateLaunch(service, task);
  if (!launch.fargate) return undefined;
  if (!task)
    return new Unresolved(`TaskDefinition of ${service.id} is not a task definition in the loaded templates`);
  const containers = items(member({ value: task.properties, raw: raw.get(task.id) }, 'ContainerDefinitions'));
  if (containers instanceof Unresolved)
    return new Unresolved(`ContainerDefinitions of ${task.id}: ${containers.reason}`);
  const prefix = templatePrefix(task.id);
  const needs = containers.flatMap((container, index) => {
    const name = asString(member(container, 'Name').value);
    const label = typeof name === 'string' ? name : `#${index + 1}`;
    return containerNeeds(context, container, label, prefix, context.regionOf(task.id));
  });
  const { uncertain } = launch;
  if (!uncertain) return needs;
  const onFargate = `whether the tasks run on Fargate is unknown (${uncertain})`;
  return needs.map((need) => ({
    ...need,
    uncertain: need.uncertain ? `${need.uncertain}; ${onFargate}` : onFargate,
  }));
}
