import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  apiLogGroup,
  expectMailNotDeliveredAlarm,
  onlyResource,
  sampleSettings,
  synthesize,
} from './support.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('lambda-image × nest-vpc (seed 001)', () => {
  let template: Template;
  let registry: Template;
  beforeAll(() => {
    const deployment = synthesize(sampleSettings('lambda-image', 'nest-vpc'));
    template = deployment.template;
    if (!deployment.registry) throw new Error('lambda-image must have a registry stack');
    registry = Template.fromStack(deployment.registry);
  });

  it('keeps images in ECR with scan on push, immutable tags and the 10 newest kept', () => {
    registry.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'cloudnest-api-nest-vpc-lambda-image',
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
      LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('"countNumber":10') },
    });
    registry.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain' });
  });

  it('runs the image by its SHA tag with 1024 MB, 30 s and active X-Ray, in the private subnets', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      PackageType: 'Image',
      Code: {
        ImageUri: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(`lambda-image:${SHA}$`)])] },
      },
      MemorySize: 1024,
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      VpcConfig: Match.objectLike({
        SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('NetworkPrivate') }]),
      }),
    });
    const imageFunction = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } }),
    );
    expect(imageFunction).toHaveLength(1);
    expect(imageFunction[0]?.Properties.Runtime).toBeUndefined();
  });

  it('verifies the database server with the RDS CAs the API carries (no CA bundle in the image)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      PackageType: 'Image',
      Environment: {
        Variables: Match.objectLike({ DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: 'rds' }),
      },
    });
  });

  it('lets the Lambda service pull from the repository, for this account’s functions only', () => {
    registry.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'lambda.amazonaws.com' },
            Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            Condition: { StringLike: { 'aws:sourceArn': Match.anyValue() } },
          }),
        ],
      },
    });
  });

  it('still migrates with the zip migration bundle before the alias switches', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('migrations'),
      Runtime: 'nodejs22.x',
    });
    template.resourceCountIs('Custom::Trigger', 1);
  });

  it('runs the mail delivery pass every minute and alarms on undelivered mail, like the zip function', () => {
    const [aliasId] = onlyResource(template, 'AWS::Lambda::Alias');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { Ref: aliasId }, Input: '{"job":"deliver-mail"}' })],
    });
    expectMailNotDeliveredAlarm(template, apiLogGroup(template));
  });
});

describe('lambda-image validation', () => {
  it('fails when the image tag is missing', () => {
    expect(() => synthesize(sampleSettings('lambda-image', 'dev', { imageTag: undefined }))).toThrow(
      /needs an imageTag/,
    );
  });

  it('fails when the image tag is latest or malformed', () => {
    expect(() => synthesize(sampleSettings('lambda-image', 'dev', { imageTag: 'latest' }))).toThrow(
      /"latest" is refused/,
    );
    expect(() => synthesize(sampleSettings('lambda-image', 'dev', { imageTag: 'a:b' }))).toThrow(
      /not a valid image tag/,
    );
  });

  it('fails when the Lambda timeout exceeds what the HTTP API waits', async () => {
    const { ApiFunction } = await import('../lib/constructs/api-function.js');
    const { App, Duration, Stack } = await import('aws-cdk-lib');
    const ec2 = await import('aws-cdk-lib/aws-ec2');
    const lambda = await import('aws-cdk-lib/aws-lambda');
    const stack = new Stack(new App(), 'S');
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-12345678',
      availabilityZones: ['us-east-1a'],
    });
    const subnets = [ec2.Subnet.fromSubnetId(stack, 'Subnet', 'subnet-12345678')];
    const base = { vpc, subnets, code: lambda.Code.fromInline('x'), environment: {} };
    expect(() => new ApiFunction(stack, 'A', { ...base, timeout: Duration.seconds(60) })).toThrow(
      /HTTP API limit/,
    );
    expect(() => new ApiFunction(stack, 'B', { ...base, memorySize: 64 })).toThrow(/memorySize/);
    expect(() => new ApiFunction(stack, 'C', { ...base, environment: { JWT_SECRET: 'x' } })).toThrow(
      /plaintext/,
    );
  });
});
