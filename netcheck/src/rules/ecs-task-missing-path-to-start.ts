import type { PathResult } from '../engine/path-types.js';
import { capturingEndpointOf } from '../engine/private-dns.js';
import type { NetworkModel, TaskStartNeed, Workload } from '../model/network-model.js';
import { Unresolved } from '../template/template-values.js';
import type { Rule, RuleOutcome } from './rule.js';
import { blockedSomewhere, partlyReachable, undecided, violation } from './rule.js';

type Requirement = TaskStartNeed['requirement'];

/**
 * Per requirement: the path destinations it needs, all on tcp/443 (`aws:<endpoint service>` or
 * `internet`; pulling from ECR takes the registry API for the auth token, the Docker registry
 * endpoint for manifests, and S3, where ECR keeps the layers; environment files are S3 objects too),
 * how a message names it, the error Fargate stops the task with, and the fix when no interface
 * endpoint takes the calls.
 */
const REQUIREMENTS: Readonly<
  Record<Requirement, { targets: readonly string[]; what: string; error: string; fix: string }>
> = {
  ecr: {
    targets: ['aws:ecr.api', 'aws:ecr.dkr', 'aws:s3'],
    what: 'ECR: ecr.api, ecr.dkr and S3 (the image layers)',
    error:
      'CannotPullContainerError, or ResourceInitializationError: unable to pull secrets or registry auth',
    fix: "Give the task's subnets a NAT path (or AssignPublicIp: ENABLED in public subnets), or add interface endpoints com.amazonaws.<region>.ecr.api and com.amazonaws.<region>.ecr.dkr with private DNS, their security groups admitting tcp/443 from the task's, and an S3 gateway endpoint on the subnets' route tables.",
  },
  internet: {
    targets: ['internet'],
    what: 'the internet (a public registry, or ECR in another Region)',
    error: 'CannotPullContainerError',
    fix: "Give the task's subnets a NAT path (or AssignPublicIp: ENABLED in public subnets), or copy the image into ECR in the stack's Region (a pull-through cache rule or cross-Region replication does it) and add the ECR endpoints.",
  },
  logs: {
    targets: ['aws:logs'],
    what: 'CloudWatch Logs (logs)',
    error: 'ResourceInitializationError: failed to validate logger args',
    fix: "Give the task's subnets a NAT path, or add an interface endpoint com.amazonaws.<region>.logs with private DNS, its security groups admitting tcp/443 from the task's.",
  },
  secretsmanager: {
    targets: ['aws:secretsmanager'],
    what: 'Secrets Manager (secretsmanager)',
    error: 'ResourceInitializationError: unable to pull secrets or registry auth',
    fix: "Give the task's subnets a NAT path, or add an interface endpoint com.amazonaws.<region>.secretsmanager with private DNS, its security groups admitting tcp/443 from the task's.",
  },
  ssm: {
    targets: ['aws:ssm'],
    what: 'SSM Parameter Store (ssm)',
    error: 'ResourceInitializationError: unable to pull secrets or registry auth',
    fix: "Give the task's subnets a NAT path, or add an interface endpoint com.amazonaws.<region>.ssm with private DNS, its security groups admitting tcp/443 from the task's.",
  },
  s3: {
    targets: ['aws:s3'],
    what: 'S3 (s3)',
    error: 'ResourceInitializationError: failed to download env files',
    fix: "Give the task's subnets a NAT path (or AssignPublicIp: ENABLED in public subnets), or add an S3 gateway endpoint com.amazonaws.<region>.s3 on the task subnets' route tables (it serves buckets in the stack's Region).",
  },
};

/** A destination as a message names it: `ecr.api`, `the internet`. */
function named(target: string): string {
  return target === 'internet' ? 'the internet' : target.slice('aws:'.length);
}

interface Check {
  readonly target: string;
  readonly result: PathResult;
}

/**
 * Why destinations cannot be reached, naming the endpoint private DNS sends the calls to.
 * Destinations blocked at the same hop for the same reason (one route table without a default
 * route for ecr.api, ecr.dkr and s3) are explained once.
 */
function blockedBecause(model: NetworkModel, service: Workload, blocked: readonly Check[]): string {
  const groups = new Map<string, Check[]>();
  for (const check of blocked) {
    const at = check.result.blockedAt;
    const key = `${at?.code}|${at?.resource}|${at?.reason}`;
    groups.set(key, [...(groups.get(key) ?? []), check]);
  }
  return [...groups.values()]
    .map((checks) => {
      const names = checks.map((check) => named(check.target));
      const at = checks[0]?.result.blockedAt;
      const where = `${at?.code} at ${at?.resource}: ${at?.reason}`;
      const list = names.join(', ');
      if (names.includes('the internet')) return `${list} (${where})`;
      const endpoints = names.map((name) => capturingEndpointOf(model, service, name)?.id);
      if (endpoints.every(Boolean))
        return `${list} (${where}; a NAT path would not help: inside the VPC, private DNS sends every call to ${endpoints.join(', ')})`;
      if (at?.code === 'ENDPOINT_PRIVATE_DNS_UNAVAILABLE')
        return `${list} (its VPC endpoint does not serve it: ${at.reason}; and there is no NAT path)`;
      return `${list} (${where}; no NAT path and no VPC endpoint ${names.map((name) => `com.amazonaws.<region>.${name}`).join(', ')})`;
    })
    .join('; ');
}

/**
 * NV-ECS-001: an ECS service's Fargate tasks cannot start because their interface has no path to
 * what the platform fetches before the containers run: the image (ECR, or a public registry on the
 * internet), the awslogs stream, the secrets, the private registry's credentials (Secrets Manager)
 * and the environment files (S3). Judged by the engine's AWS-service answers, so NAT paths, public
 * IPs, gateway endpoints and interface endpoints with private DNS (their groups and ACLs included)
 * count exactly as for NV-LMB-002.
 */
export const ecsTaskMissingPathToStart: Rule = {
  id: 'NV-ECS-001',
  severity: 'error',
  description:
    'ECS Fargate service whose tasks cannot start: no network path to the image registry, CloudWatch Logs, the secrets store (secrets, private registry credentials) or S3 (environment files).',
  fix: 'Give the task subnets a NAT path, or add the VPC endpoints the task needs (ecr.api, ecr.dkr, an S3 gateway endpoint for image layers and environment files, logs, secretsmanager for secrets and registry credentials / ssm) with private DNS.',
  evaluate(context) {
    const out: RuleOutcome[] = [];
    for (const service of context.model.workloads.values()) {
      const needs = service.taskStartNeeds;
      if (service.kind !== 'ecs-service' || needs === undefined) continue;
      if (needs instanceof Unresolved) {
        out.push(undecided(service.id, `what its tasks need at start is unknown: ${needs.reason}`));
        continue;
      }
      const byRequirement = new Map<Requirement, TaskStartNeed[]>();
      for (const need of needs)
        byRequirement.set(need.requirement, [...(byRequirement.get(need.requirement) ?? []), need]);
      for (const [requirement, group] of byRequirement) {
        const { targets, what, error, fix } = REQUIREMENTS[requirement];
        const checks: Check[] = targets.map((target) => ({
          target,
          result: context.path({ from: service.id, to: target, port: 443 }),
        }));
        const blocked = checks.filter((check) => blockedSomewhere(check.result));
        const open = checks.filter(
          (check) => !blockedSomewhere(check.result) && check.result.reachable === 'unknown',
        );
        const certain = group.filter((need) => !need.uncertain);
        const purposes = (certain.length > 0 ? certain : group).map((need) => need.purpose).join('; ');
        if (blocked.length > 0 && certain.length > 0) {
          const partial = blocked.some((check) => partlyReachable(check.result));
          const captured = blocked.map((check) =>
            check.target === 'internet'
              ? undefined
              : capturingEndpointOf(context.model, service, named(check.target))?.id,
          );
          const remedy = captured.every(Boolean)
            ? `Allow tcp/443 from the task's security groups on the security groups of ${captured.join(', ')} (and in the network ACLs between them).`
            : fix;
          out.push(
            violation(
              service.id,
              `${service.id}'s tasks cannot start: ${purposes} needs ${what}, but the tasks have no network path${partial ? ' from some of their subnets' : ''} to ${blockedBecause(context.model, service, blocked)}. ${partial ? `Fargate stops each task placed there before its containers run (${error})` : `Fargate stops each task before its containers run (${error}), so the service never reaches its desired count`}. ${remedy}`,
            ),
          );
        } else if (blocked.length > 0) {
          // Blocked, but the task may not need it: undecided, never a silent pass.
          const why = group.map((need) => need.uncertain).find(Boolean);
          const first = blocked[0]?.result.blockedAt;
          out.push(
            undecided(
              service.id,
              `${purposes} may need ${what}, and the tasks have no network path to ${blocked.map((check) => named(check.target)).join(', ')} (${first?.code} at ${first?.resource}); whether they need it is unknown: ${why}`,
            ),
          );
        } else if (open[0]) {
          out.push(
            undecided(
              service.id,
              `${purposes} ${certain.length > 0 ? 'needs' : 'may need'} ${what}; path to ${named(open[0].target)}: ${open[0].result.blockedAt?.reason ?? 'undecided'}`,
            ),
          );
        }
      }
    }
    return out;
  },
};
