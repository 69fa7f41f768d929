import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Props of {@link ImageRepository}. */
export interface ImageRepositoryProps {
  /** Repository name, e.g. `cloudnest-api-dev-fargate`. */
  readonly repositoryName: string;
  /**
   * Images kept; older ones expire.
   * @default 10
   */
  readonly maxImageCount?: number;
  /**
   * Let the Lambda service pull images for this account's functions (container-image Lambda).
   * @default false
   */
  readonly allowLambdaPull?: boolean;
}

/**
 * The ECR repository of seed 001: scan on push, the newest images kept, tags immutable (a SHA tag
 * always means the same image, so rollbacks are honest). It lives in its own stack so it exists
 * before the first image is pushed and before the stack that runs the image is deployed.
 */
export class ImageRepository extends Construct {
  readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    const maxImageCount = props.maxImageCount ?? 10;
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(props.repositoryName)) {
      throw new Error(`"${props.repositoryName}" is not a valid ECR repository name`);
    }
    if (!Number.isInteger(maxImageCount) || maxImageCount < 1) throw new Error('maxImageCount must be >= 1');
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      lifecycleRules: [{ description: `Keep the ${maxImageCount} newest images`, maxImageCount }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (props.allowLambdaPull) {
      const stack = Stack.of(this);
      this.repository.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'LambdaPull',
          principals: [new iam.ServicePrincipal('lambda.amazonaws.com')],
          actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          conditions: {
            StringLike: {
              'aws:sourceArn': stack.formatArn({
                service: 'lambda',
                resource: 'function',
                resourceName: '*',
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            },
          },
        }),
      );
    }
  }
}
