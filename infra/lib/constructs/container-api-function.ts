import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ApiFunction, type ApiFunctionProps } from './api-function.js';

/** Props of {@link ContainerApiFunction}. */
export interface ContainerApiFunctionProps extends Omit<ApiFunctionProps, 'code' | 'handler' | 'runtime'> {
  /** Repository holding images built from `api/Dockerfile.lambda`. */
  readonly repository: ecr.IRepository;
  /** Image tag to run: the commit SHA CI pushed. Mutable tags such as `latest` are refused. */
  readonly imageTag: string;
}

/** Validates an image tag: ECR's syntax, and no `latest` (a moving tag makes rollbacks lie). */
export function validateImageTag(tag: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new Error(`"${tag}" is not a valid image tag`);
  if (tag === 'latest')
    throw new Error('imageTag "latest" is refused: deploy an immutable tag such as the commit SHA');
}

/**
 * Seed 001's shape: the same API as {@link ApiFunction}, from a container image in ECR instead of
 * a zip (1024 MB, 30 s and X-Ray by default, like the seed). The image is referenced by tag, never
 * built during synth.
 */
export class ContainerApiFunction extends ApiFunction {
  constructor(scope: Construct, id: string, props: ContainerApiFunctionProps) {
    validateImageTag(props.imageTag);
    super(scope, id, {
      ...props,
      code: lambda.Code.fromEcrImage(props.repository, { tagOrDigest: props.imageTag }),
      handler: lambda.Handler.FROM_IMAGE,
      runtime: lambda.Runtime.FROM_IMAGE,
    });
  }
}
