import type { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  type DeploymentSettings,
  IMAGE_TOPOLOGIES,
  repositoryName,
  stackName,
  validateSettings,
} from './settings.js';
import { Ec2AlbStack } from './stacks/ec2-alb-stack.js';
import { FargateStack } from './stacks/fargate-stack.js';
import { RegistryStack } from './stacks/registry-stack.js';
import { ServerlessApiStack } from './stacks/serverless-api-stack.js';
import type { TopologyStack, TopologyStackProps } from './stacks/topology-stack.js';

/** The stacks of one deployment. */
export interface Deployment {
  /** The application stack. */
  readonly app: TopologyStack;
  /** The ECR repository stack of image topologies. */
  readonly registry?: RegistryStack;
  /** All stacks, in deploy order. */
  readonly stacks: Stack[];
}

const STACKS: Record<
  DeploymentSettings['topology'],
  new (
    scope: Construct,
    id: string,
    props: TopologyStackProps,
  ) => TopologyStack
> = {
  'lambda-vpc': ServerlessApiStack,
  'lambda-image': ServerlessApiStack,
  fargate: FargateStack,
  'ec2-alb': Ec2AlbStack,
};

/** Adds the stacks of one topology × preset to `scope` (normally the CDK `App`). */
export function addDeployment(scope: Construct, settings: DeploymentSettings): Deployment {
  validateSettings(settings);
  const name = stackName(settings);
  const registry = IMAGE_TOPOLOGIES.includes(settings.topology)
    ? new RegistryStack(scope, `${name}-registry`, {
        repositoryName: repositoryName(settings),
        allowLambdaPull: settings.topology === 'lambda-image',
        env: { account: settings.account, region: settings.preset.region },
      })
    : undefined;
  const app = new STACKS[settings.topology](scope, name, { settings });
  return { app, registry, stacks: registry ? [registry, app] : [app] };
}
