import { App, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { ApiFunction } from '../lib/constructs/api-function.js';
import { ContainerApiFunction } from '../lib/constructs/container-api-function.js';
import { Database } from '../lib/constructs/database.js';
import { Ec2AlbApp } from '../lib/constructs/ec2-alb-app.js';
import { FargateApi } from '../lib/constructs/fargate-api.js';
import { MigrationRunner } from '../lib/constructs/migration-runner.js';
import { type INetwork, Network } from '../lib/constructs/network.js';
import { type PresetName, resolvePreset } from '../lib/presets.js';
import { placeholderCode, SAMPLE_CERTIFICATE_ARN } from './support.js';

const CODE = placeholderCode();

function stackWithNetwork(preset: PresetName): { stack: Stack; network: INetwork } {
  const stack = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'us-east-1' } });
  return { stack, network: new Network(stack, 'Network', { layout: resolvePreset(preset).network }) };
}

/** Seed 000's import mode, with public subnets given as well. */
function stackWithImportedNetwork(): { stack: Stack; network: INetwork } {
  const stack = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'ap-southeast-2' } });
  const network = Network.fromExisting(stack, 'Network', {
    vpcId: 'vpc-00b91951c36f803c6',
    availabilityZones: ['ap-southeast-2a', 'ap-southeast-2b'],
    privateSubnetIds: ['subnet-0252fa717f4638268', 'subnet-05b32a038870ee48f'],
    publicSubnetIds: ['subnet-0479d42241a7eae8f', 'subnet-0479d42241a7eae90'],
  });
  return { stack, network };
}

const apiFunction = (stack: Stack, network: INetwork, subnets: INetwork['publicSubnets']) =>
  new ApiFunction(stack, 'Api', {
    vpc: network.vpc,
    subnets,
    code: lambda.Code.fromInline('export const handler = async () => ({});'),
    environment: {},
  });

describe('subnet guards: compute never lands in public subnets of a Network (its VPC reference lists no subnets)', () => {
  it('fails when ApiFunction is given public subnets (created network)', () => {
    const { stack, network } = stackWithNetwork('dev');
    expect(() => apiFunction(stack, network, network.publicSubnets)).toThrow(
      /ApiFunction must not run in public subnets/,
    );
  });

  it('fails when ApiFunction is given one public subnet among private ones (nest-vpc: one public /28, three AZs)', () => {
    const { stack, network } = stackWithNetwork('nest-vpc');
    expect(() => apiFunction(stack, network, [...network.privateSubnets, ...network.publicSubnets])).toThrow(
      /ApiFunction must not run in public subnets/,
    );
  });

  it('fails when ApiFunction is given public subnets of an imported network', () => {
    const { stack, network } = stackWithImportedNetwork();
    expect(() => apiFunction(stack, network, network.publicSubnets)).toThrow(
      /ApiFunction must not run in public subnets/,
    );
  });

  it('fails when a public subnet of a Network is imported again by its id', () => {
    const { stack, network } = stackWithImportedNetwork();
    const again = ec2.Subnet.fromSubnetId(stack, 'Again', 'subnet-0479d42241a7eae8f');
    expect(() => apiFunction(stack, network, [again])).toThrow(/ApiFunction must not run in public subnets/);
  });

  it('accepts ApiFunction in private subnets, created or imported', () => {
    const created = stackWithNetwork('dev');
    expect(() => apiFunction(created.stack, created.network, created.network.privateSubnets)).not.toThrow();
    const imported = stackWithImportedNetwork();
    expect(() =>
      apiFunction(imported.stack, imported.network, imported.network.privateSubnets),
    ).not.toThrow();
  });

  it('fails when ContainerApiFunction is given public subnets, and accepts private ones', () => {
    const { stack, network } = stackWithNetwork('dev');
    const props = {
      vpc: network.vpc,
      repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'api'),
      imageTag: 'abc123',
      environment: {},
    };
    expect(
      () => new ContainerApiFunction(stack, 'Public', { ...props, subnets: network.publicSubnets }),
    ).toThrow(/must not run in public subnets/);
    expect(
      () => new ContainerApiFunction(stack, 'Private', { ...props, subnets: network.privateSubnets }),
    ).not.toThrow();
  });

  it('fails when MigrationRunner is given public subnets, and accepts private ones', () => {
    const { stack, network } = stackWithNetwork('dev');
    const props = {
      vpc: network.vpc,
      code: lambda.Code.fromAsset(CODE.migrate),
      database: Database.fromExisting(stack, 'Db', {
        securityGroupId: 'sg-0fc391d30ffe29141',
        secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
        engine: 'postgres',
      }),
      environment: {},
    };
    expect(() => new MigrationRunner(stack, 'Public', { ...props, subnets: network.publicSubnets })).toThrow(
      /MigrationRunner must not run in public subnets/,
    );
    expect(
      () => new MigrationRunner(stack, 'Private', { ...props, subnets: network.privateSubnets }),
    ).not.toThrow();
  });

  it('fails when Fargate tasks without public IPs are put in public subnets, and accepts private ones', () => {
    const { stack, network } = stackWithNetwork('dev');
    const props = {
      vpc: network.vpc,
      loadBalancerSubnets: network.publicSubnets,
      repository: ecr.Repository.fromRepositoryName(stack, 'Repo', 'api'),
      imageTag: 'abc123',
      environment: {},
      secrets: {},
    };
    expect(() => new FargateApi(stack, 'Public', { ...props, taskSubnets: network.publicSubnets })).toThrow(
      /tasks without a public IP must run in private subnets/,
    );
    expect(
      () => new FargateApi(stack, 'Private', { ...props, taskSubnets: network.privateSubnets }),
    ).not.toThrow();
  });

  it('fails when EC2 instances are put in a public subnet the load balancer does not use, and accepts private ones', () => {
    const { stack, network } = stackWithNetwork('prod');
    const [first, second, third] = network.publicSubnets;
    if (!first || !second || !third) throw new Error('prod has three public subnets');
    const props = {
      vpc: network.vpc,
      loadBalancerSubnets: [first, second],
      certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', SAMPLE_CERTIFICATE_ARN),
      backend: { codePath: CODE.backend },
    };
    expect(() => new Ec2AlbApp(stack, 'Public', { ...props, instanceSubnets: [third] })).toThrow(
      /instances must run in private subnets/,
    );
    expect(
      () => new Ec2AlbApp(stack, 'Private', { ...props, instanceSubnets: network.privateSubnets }),
    ).not.toThrow();
  });
});
