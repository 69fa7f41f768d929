import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ImageRepository } from '../constructs/image-repository.js';

/** Props of {@link RegistryStack}. */
export interface RegistryStackProps extends StackProps {
  readonly repositoryName: string;
  /**
   * The images run as Lambda functions (lambda-image).
   * @default false
   */
  readonly allowLambdaPull?: boolean;
}

/**
 * The ECR repository of an image topology, in a stack of its own: it must exist before the first
 * image is pushed, and the application stack must not be deployed before that image exists
 * (`deploy --create-stack` deploys this stack first).
 */
export class RegistryStack extends Stack {
  readonly images: ImageRepository;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, { description: 'CloudNest API image repository', ...props });
    this.images = new ImageRepository(this, 'Images', {
      repositoryName: props.repositoryName,
      allowLambdaPull: props.allowLambdaPull,
    });
    new CfnOutput(this, 'RepositoryUri', { value: this.images.repository.repositoryUri });
    new CfnOutput(this, 'RepositoryName', { value: this.images.repository.repositoryName });
  }
}
