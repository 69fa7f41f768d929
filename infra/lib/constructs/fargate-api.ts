import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { keepEgressClosed } from '../security-groups.js';
import { assertNoPlaintextSecrets } from '../validation.js';
import { validateImageTag } from './container-api-function.js';
import { LogBucket } from './log-bucket.js';
import { isPublicSubnet } from './network.js';

/** Props of {@link FargateApi}. */
export interface FargateApiProps {
  readonly vpc: ec2.IVpc;
  /** Where tasks run: private subnets, or public ones with `assignPublicIp`. */
  readonly taskSubnets: ec2.ISubnet[];
  /**
   * Public subnets of the load balancer. Required unless `assignPublicIp`.
   * @default - no load balancer
   */
  readonly loadBalancerSubnets?: ec2.ISubnet[];
  /** Repository of images built from `api/Dockerfile`. */
  readonly repository: ecr.IRepository;
  /** Image tag (commit SHA). */
  readonly imageTag: string;
  /** Non-secret configuration. */
  readonly environment: Record<string, string>;
  /** Secrets injected by ECS from Secrets Manager (the task never sees their ARNs). */
  readonly secrets: Record<string, ecs.Secret>;
  /**
   * Port the server listens on (`PORT`).
   * @default 3000
   */
  readonly containerPort?: number;
  /**
   * Load balancer health check path.
   * @default '/health'
   */
  readonly healthCheckPath?: string;
  /**
   * @default 512
   */
  readonly cpu?: number;
  /**
   * @default 1024
   */
  readonly memoryLimitMiB?: number;
  /**
   * Tasks kept running at the least: the autoscaling minimum, which sets the service's count once
   * it is created. The template itself names no count (see the service below). At least 1.
   * @default 1
   */
  readonly desiredCount?: number;
  /**
   * Autoscaling maximum.
   * @default 4
   */
  readonly maxCount?: number;
  /**
   * Seed 002's form: tasks in public subnets with public IPs, port open to the internet, no load
   * balancer. Only allowed with `REQUIRE_API_KEY=true` and an `API_KEYS` secret.
   * @default false
   */
  readonly assignPublicIp?: boolean;
  /**
   * Serve HTTPS on 443 (and redirect 80) with this certificate.
   * @default - plain HTTP on port 80
   */
  readonly certificate?: acm.ICertificate;
  /**
   * CPU architecture the image is built for.
   * @default ecs.CpuArchitecture.ARM64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;
}

/**
 * The API as an ECS Fargate service (seed 002), safe by default: tasks in private subnets behind
 * an internet-facing ALB, only the ALB may reach the container port, secrets injected from Secrets
 * Manager, a deployment circuit breaker that rolls back, and autoscaling on CPU and requests.
 */
export class FargateApi extends Construct implements ec2.IConnectable {
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly service: ecs.FargateService;
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;
  readonly logGroup: logs.LogGroup;
  readonly loadBalancer?: elbv2.ApplicationLoadBalancer;
  readonly targetGroup?: elbv2.ApplicationTargetGroup;
  /** Base URL clients use (`http(s)://<alb dns>`), when there is a load balancer. */
  readonly url?: string;

  constructor(scope: Construct, id: string, props: FargateApiProps) {
    super(scope, id);
    validateImageTag(props.imageTag);
    const port = props.containerPort ?? 3000;
    const desiredCount = props.desiredCount ?? 1;
    const maxCount = props.maxCount ?? 4;
    const publicIp = props.assignPublicIp ?? false;
    if (!Number.isInteger(desiredCount) || desiredCount < 1) {
      throw new Error(`desiredCount must be at least 1, got ${desiredCount}`);
    }
    if (maxCount < desiredCount)
      throw new Error(`maxCount (${maxCount}) is below desiredCount (${desiredCount})`);
    if (publicIp) {
      if (props.environment.REQUIRE_API_KEY !== 'true' || !props.secrets.API_KEYS) {
        throw new Error(
          'assignPublicIp exposes the container to the internet: it requires REQUIRE_API_KEY=true and an API_KEYS secret',
        );
      }
      if (props.loadBalancerSubnets)
        throw new Error('assignPublicIp runs without a load balancer; drop loadBalancerSubnets');
    } else {
      if (!props.loadBalancerSubnets || props.loadBalancerSubnets.length < 2) {
        throw new Error('a load balancer needs public subnets in at least two AZs (loadBalancerSubnets)');
      }
      // Without a public IP a task in a public subnet cannot pull its image, and it belongs behind the ALB.
      if (props.taskSubnets.some((s) => isPublicSubnet(s, props.vpc))) {
        throw new Error(
          'tasks without a public IP must run in private subnets (NAT egress), not public ones',
        );
      }
    }
    for (const name of Object.keys(props.environment)) {
      if (props.secrets[name]) throw new Error(`${name} is both a plain variable and a secret`);
    }
    assertNoPlaintextSecrets(props.environment);

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu ?? 512,
      memoryLimitMiB: props.memoryLimitMiB ?? 1024,
      runtimePlatform: {
        cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.taskDefinition.addContainer('Api', {
      image: ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag),
      portMappings: [{ containerPort: port, protocol: ecs.Protocol.TCP }],
      environment: { ...props.environment, PORT: String(port) },
      secrets: props.secrets,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'api', logGroup: this.logGroup }),
      stopTimeout: Duration.seconds(30),
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: props.vpc,
      description: publicIp
        ? 'CloudNest API tasks (public IP form): container port open, X-API-KEY required'
        : 'CloudNest API tasks: container port only from the load balancer',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to ECR, Secrets Manager, SES and S3 through the NAT',
    );
    this.connections = this.securityGroup.connections;

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount,
      vpcSubnets: { subnets: props.taskSubnets },
      assignPublicIp: publicIp,
      securityGroups: [this.securityGroup],
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: publicIp ? undefined : Duration.seconds(60),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    // No DesiredCount in the template: each deploy sends the service's properties again, and one
    // there set a service autoscaling had grown to 8 tasks back to the minimum, draining the rest
    // under load (found in review, 2026-12-07; aws/aws-cdk#3919). CloudFormation creates a service
    // without one at 1 task, and the scaling minimum below raises it from there.
    (this.service.node.defaultChild as ecs.CfnService).addPropertyDeletionOverride('DesiredCount');
    const scaling = this.service.autoScaleTaskCount({ minCapacity: desiredCount, maxCapacity: maxCount });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });

    if (publicIp) {
      this.securityGroup.addIngressRule(
        ec2.Peer.anyIpv4(),
        ec2.Port.tcp(port),
        'Seed 002 form: public container port',
      );
      NagSuppressions.addResourceSuppressions(this.securityGroup, [
        {
          id: 'AwsSolutions-EC23',
          reason: 'Opt-in public-IP form of seed 002; the API then requires X-API-KEY on every request.',
        },
      ]);
    } else {
      const albSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
        vpc: props.vpc,
        description: 'CloudNest API load balancer: HTTP(S) from the internet, container port to the tasks',
        allowAllOutbound: false,
      });
      albSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP from the internet');
      if (props.certificate) {
        albSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from the internet');
      }
      keepEgressClosed(albSecurityGroup);
      NagSuppressions.addResourceSuppressions(albSecurityGroup, [
        {
          id: 'AwsSolutions-EC23',
          reason: 'Internet-facing load balancer: the public entry point of the API.',
        },
      ]);
      const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
        vpc: props.vpc,
        internetFacing: true,
        vpcSubnets: { subnets: props.loadBalancerSubnets },
        securityGroup: albSecurityGroup,
        dropInvalidHeaderFields: true,
      });
      loadBalancer.logAccessLogs(new LogBucket(this, 'AccessLogs').bucket, 'alb');

      const targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
        vpc: props.vpc,
        port,
        protocol: elbv2.ApplicationProtocol.HTTP,
        targetType: elbv2.TargetType.IP,
        targets: [this.service],
        deregistrationDelay: Duration.seconds(30),
        healthCheck: {
          path: props.healthCheckPath ?? '/health',
          healthyHttpCodes: '200',
          interval: Duration.seconds(15),
        },
      });
      if (props.certificate) {
        loadBalancer.addListener('Https', {
          port: 443,
          protocol: elbv2.ApplicationProtocol.HTTPS,
          certificates: [props.certificate],
          sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
          defaultTargetGroups: [targetGroup],
        });
        loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
      } else {
        loadBalancer.addListener('Http', {
          port: 80,
          protocol: elbv2.ApplicationProtocol.HTTP,
          defaultTargetGroups: [targetGroup],
        });
      }
      scaling.scaleOnRequestCount('Requests', { requestsPerTarget: 500, targetGroup });
      this.loadBalancer = loadBalancer;
      this.targetGroup = targetGroup;
      this.url = `${props.certificate ? 'https' : 'http'}://${loadBalancer.loadBalancerDnsName}`;
    }

    NagSuppressions.addResourceSuppressions(this.taskDefinition, [
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'Only non-secret configuration is in environment variables; secrets come through ECS secrets.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(
      this.taskDefinition,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'ecr:GetAuthorizationToken has no resource-level permissions (CDK-generated execution role).',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}
