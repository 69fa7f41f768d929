import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { keepEgressClosed } from '../security-groups.js';
import { assertNoPlaintextSecrets } from '../validation.js';
import { LogBucket } from './log-bucket.js';
import { isPublicSubnet } from './network.js';

/** Where the instances' CloudWatch agent publishes memory and disk use. */
export const INSTANCE_METRICS_NAMESPACE = 'CloudNest/EC2';

/** One Node.js application served by an Auto Scaling group. */
export interface NodeAppProps {
  /**
   * Directory uploaded as an asset and unpacked on each instance.
   * @default - a built-in placeholder server answering 200 on every path (frontend only)
   */
  readonly codePath?: string;
  /**
   * File PM2 starts, relative to the code directory.
   * @default 'main.mjs' (backend), 'server.js' (frontend)
   */
  readonly entry?: string;
  /**
   * Non-secret environment; secrets travel as ARNs resolved by the application. Names that say
   * they carry a secret (`JWT_SECRET`, `DATABASE_URL`…) are refused.
   * @default - none beyond `NODE_ENV=production` and `PORT`
   */
  readonly environment?: Record<string, string>;
  /**
   * Packages the bundle leaves external (native modules such as `@node-rs/argon2`), installed with
   * npm on the instance for its own platform: name → version range.
   * @default - none
   */
  readonly runtimeDependencies?: Record<string, string>;
}

/** Props of {@link Ec2AlbApp}. */
export interface Ec2AlbAppProps {
  readonly vpc: ec2.IVpc;
  /** Public subnets for the load balancer (two AZs at least). */
  readonly loadBalancerSubnets: ec2.ISubnet[];
  /** Private subnets for the instances. */
  readonly instanceSubnets: ec2.ISubnet[];
  /** Certificate of the HTTPS listener. */
  readonly certificate: acm.ICertificate;
  /** The NestJS backend: port 9999, health `/api/health`, behind `/api/*`. */
  readonly backend: NodeAppProps & { readonly codePath: string };
  /**
   * The Next.js frontend: port 3000, health `/`, behind `/*`. Its code is the web app's standalone
   * build, `web/dist/ec2` from `npm run build:ec2 -w @cloudnest/web` (entry `server.js`).
   */
  readonly frontend?: NodeAppProps;
  /**
   * @default t4g.micro
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * @default 1
   */
  readonly minCapacity?: number;
  /**
   * @default 2
   */
  readonly maxCapacity?: number;
  /**
   * Node.js release installed from nodejs.org (checksum-verified). Raise it with each Node 22
   * security release: the instances run exactly this one (the images track `22` themselves).
   * @default '22.23.5'
   */
  readonly nodeVersion?: string;
  /**
   * Topic told about every scaling event.
   * @default - no notifications
   */
  readonly notificationTopic?: sns.ITopic;
}

/** Ports and health paths of seed 004. */
export const BACKEND_PORT = 9999;
export const FRONTEND_PORT = 3000;

/** What the SSM agent needs for Session Manager's channels (AWS documents "*" as their only resource). */
export const SESSION_MANAGER_CHANNEL_ACTIONS = [
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
];
export const BACKEND_HEALTH_PATH = '/api/health';
/**
 * What a new backend instance must answer before it signals CloudFormation: readiness (the
 * database reached), not liveness, so a build that cannot reach its database (a wrong CA, a
 * driver missing from the bundle) stops the rolling update instead of replacing every healthy
 * instance (found in review, 2026-12-07). The load balancer keeps checking liveness, so a
 * database outage never takes instances out.
 */
export const BACKEND_READY_PATH = '/api/health/ready';

// Answers 200 on every path until a real frontend is deployed, so the `/*` rule is healthy.
const PLACEHOLDER_FRONTEND = `const http = require('node:http');
http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('CloudNest'); })
  .listen(Number(process.env.PORT || 3000));
`;

/**
 * Seed 004 on EC2, hardened: an internet-facing ALB (80 redirects to 443, TLS 1.2+), `/api/*` to
 * the backend group (9999) and `/*` to the frontend group (3000); instances in private subnets,
 * reachable only from the ALB's security group, with IMDSv2, encrypted volumes, Session Manager
 * instead of SSH, and user data that installs Node 22 and runs the app under PM2.
 */
export class Ec2AlbApp extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  readonly backendSecurityGroup: ec2.SecurityGroup;
  readonly frontendSecurityGroup: ec2.SecurityGroup;
  readonly backendGroup: autoscaling.AutoScalingGroup;
  readonly frontendGroup: autoscaling.AutoScalingGroup;
  readonly backendTargetGroup: elbv2.ApplicationTargetGroup;
  readonly frontendTargetGroup: elbv2.ApplicationTargetGroup;
  /** Role of the backend instances: grant it what the API needs. */
  readonly backendRole: iam.Role;
  /** The backend's PM2 output (the API's JSON log lines), shipped by the CloudWatch agent. */
  readonly backendLogGroup: logs.LogGroup;
  /** The frontend's PM2 output. */
  readonly frontendLogGroup: logs.LogGroup;
  readonly httpsListener: elbv2.ApplicationListener;

  constructor(scope: Construct, id: string, props: Ec2AlbAppProps) {
    super(scope, id);
    const minCapacity = props.minCapacity ?? 1;
    const maxCapacity = props.maxCapacity ?? 2;
    // 22.23.5, the release the benchmarks run the bundles on; 22.12.0 (2024-12), the default until
    // 2026-12-07, lacked a year of security fixes (found in review).
    const nodeVersion = props.nodeVersion ?? '22.23.5';
    if (!/^22\.\d+\.\d+$/.test(nodeVersion))
      throw new Error(`nodeVersion must be a Node 22 release, got ${nodeVersion}`);
    if (minCapacity < 1 || maxCapacity < minCapacity) {
      throw new Error(`capacity must satisfy 1 <= min (${minCapacity}) <= max (${maxCapacity})`);
    }
    if (props.loadBalancerSubnets.length < 2)
      throw new Error('the load balancer needs public subnets in two AZs');
    if (props.instanceSubnets.length === 0) throw new Error('instanceSubnets must not be empty');
    const publicIds = new Set(props.loadBalancerSubnets.map((s) => s.subnetId));
    if (props.instanceSubnets.some((s) => publicIds.has(s.subnetId) || isPublicSubnet(s, props.vpc))) {
      throw new Error('instances must run in private subnets, not the load balancer subnets');
    }
    // Both environments are written into the PM2 ecosystem file in the user data, which anyone
    // allowed ec2:DescribeLaunchTemplateVersions can read.
    assertNoPlaintextSecrets(props.backend.environment ?? {});
    assertNoPlaintextSecrets(props.frontend?.environment ?? {});

    this.loadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: 'CloudNest ALB: 80/443 from the internet, app ports to the instances',
      allowAllOutbound: false,
    });
    this.loadBalancerSecurityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(80),
      'HTTP (redirected to HTTPS)',
    );
    this.loadBalancerSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS');
    keepEgressClosed(this.loadBalancerSecurityGroup);
    NagSuppressions.addResourceSuppressions(this.loadBalancerSecurityGroup, [
      {
        id: 'AwsSolutions-EC23',
        reason: 'Internet-facing load balancer: the public entry point of the site.',
      },
    ]);
    const instanceSecurityGroup = (name: string, what: string) => {
      const group = new ec2.SecurityGroup(this, `${name}SecurityGroup`, {
        vpc: props.vpc,
        description: `CloudNest ${what} instances: app port from the ALB only, no SSH`,
        allowAllOutbound: false,
      });
      group.addEgressRule(
        ec2.Peer.anyIpv4(),
        ec2.Port.tcp(443),
        'HTTPS: packages, Node.js, SSM, AWS APIs via NAT',
      );
      return group;
    };
    this.backendSecurityGroup = instanceSecurityGroup('Backend', 'backend');
    this.frontendSecurityGroup = instanceSecurityGroup('Frontend', 'frontend');

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnets: props.loadBalancerSubnets },
      securityGroup: this.loadBalancerSecurityGroup,
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer.logAccessLogs(new LogBucket(this, 'AccessLogs').bucket, 'alb');

    const instanceType =
      props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO);
    const machineImage = ec2.MachineImage.latestAmazonLinux2023({
      cpuType:
        instanceType.architecture === ec2.InstanceArchitecture.ARM_64
          ? ec2.AmazonLinuxCpuType.ARM_64
          : ec2.AmazonLinuxCpuType.X86_64,
    });

    const makeGroup = (
      name: 'Backend' | 'Frontend',
      app: NodeAppProps,
      port: number,
      securityGroup: ec2.SecurityGroup,
    ): { group: autoscaling.AutoScalingGroup; role: iam.Role; logGroup: logs.LogGroup } => {
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
        description: `CloudNest ${name.toLowerCase()} instances`,
      });
      // Session Manager (instead of SSH from the world) and nothing more: the agent registers the
      // instance and opens its channels. AmazonSSMManagedInstanceCore also let either instance read
      // every Parameter Store value in the account (found in review, 2026-12-07).
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:UpdateInstanceInformation'],
          resources: [Stack.of(this).formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: SESSION_MANAGER_CHANNEL_ACTIONS,
          resources: ['*'],
        }),
      );
      NagSuppressions.addResourceSuppressions(
        role,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              "Session Manager's channel actions (ssmmessages:*Channel), cloudwatch:PutMetricData (held to the CloudNest/EC2 namespace by condition) and ec2:DescribeTags (the CloudWatch agent's Auto Scaling group dimension) have no resource-level permissions, and the agent registers whichever instance it runs on.",
            appliesTo: [
              'Resource::*',
              { regex: '/^Resource::arn:<AWS::Partition>:ec2:[^:]+:<AWS::AccountId>:instance\\/\\*$/g' },
            ],
          },
        ],
        true,
      );
      // The agent also publishes memory and disk use, which EC2 itself does not measure (seed 004
      // monitors memory); only into CloudNest's namespace, since PutMetricData takes no resource.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': INSTANCE_METRICS_NAMESPACE } },
        }),
      );
      // The agent fills `${aws:AutoScalingGroupName}` (the dimension the alarms watch) from the
      // instance's tags through DescribeTags, and publishes no metric until that call succeeds:
      // without it the memory and disk alarms never had data (found in review, 2026-12-07).
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ec2:DescribeTags'],
          resources: ['*'],
        }),
      );
      const logGroup = new logs.LogGroup(this, `${name}LogGroup`, {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // The agent writes into a group that already exists: it needs no CreateLogGroup, no Describe*.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      );
      const userData = ec2.UserData.forLinux();
      const launchTemplate = new ec2.LaunchTemplate(this, `${name}LaunchTemplate`, {
        instanceType,
        machineImage,
        role,
        securityGroup,
        userData,
        requireImdsv2: true,
        detailedMonitoring: true,
        blockDevices: [
          {
            deviceName: '/dev/xvda',
            volume: ec2.BlockDeviceVolume.ebs(20, {
              encrypted: true,
              volumeType: ec2.EbsDeviceVolumeType.GP3,
            }),
          },
        ],
      });
      const group = new autoscaling.AutoScalingGroup(this, `${name}Group`, {
        vpc: props.vpc,
        vpcSubnets: { subnets: props.instanceSubnets },
        launchTemplate,
        minCapacity,
        maxCapacity,
        healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
          additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
          gracePeriod: Duration.minutes(5),
        }),
        signals: autoscaling.Signals.waitForMinCapacity({ timeout: Duration.minutes(15) }),
        updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
          minInstancesInService: minCapacity,
          maxBatchSize: 1,
          waitOnResourceSignals: true,
          pauseTime: Duration.minutes(15),
        }),
        notifications: props.notificationTopic ? [{ topic: props.notificationTopic }] : undefined,
      });
      group.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
      this.writeUserData(userData, group, role, logGroup, name.toLowerCase(), app, port, nodeVersion);
      if (!props.notificationTopic) {
        NagSuppressions.addResourceSuppressions(group, [
          { id: 'AwsSolutions-AS3', reason: 'No notification topic was given to this construct.' },
        ]);
      }
      return { group, role, logGroup };
    };

    const backend = makeGroup(
      'Backend',
      { ...props.backend, entry: props.backend.entry ?? 'main.mjs' },
      BACKEND_PORT,
      this.backendSecurityGroup,
    );
    const frontend = makeGroup(
      'Frontend',
      { ...props.frontend, entry: props.frontend?.entry ?? 'server.js' },
      FRONTEND_PORT,
      this.frontendSecurityGroup,
    );
    this.backendGroup = backend.group;
    this.backendRole = backend.role;
    this.backendLogGroup = backend.logGroup;
    this.frontendGroup = frontend.group;
    this.frontendLogGroup = frontend.logGroup;

    this.backendTargetGroup = new elbv2.ApplicationTargetGroup(this, 'BackendTargetGroup', {
      vpc: props.vpc,
      port: BACKEND_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.backendGroup],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { path: BACKEND_HEALTH_PATH, healthyHttpCodes: '200', interval: Duration.seconds(15) },
    });
    this.frontendTargetGroup = new elbv2.ApplicationTargetGroup(this, 'FrontendTargetGroup', {
      vpc: props.vpc,
      port: FRONTEND_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.frontendGroup],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { path: '/', healthyHttpCodes: '200-399', interval: Duration.seconds(15) },
    });

    this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    this.httpsListener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [props.certificate],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultTargetGroups: [this.frontendTargetGroup],
    });
    this.httpsListener.addTargetGroups('Api', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/api/*'])],
      targetGroups: [this.backendTargetGroup],
    });
  }

  private writeUserData(
    userData: ec2.UserData,
    group: autoscaling.AutoScalingGroup,
    role: iam.Role,
    logGroup: logs.ILogGroup,
    name: string,
    app: NodeAppProps,
    port: number,
    nodeVersion: string,
  ): void {
    const dir = `/opt/cloudnest/${name}`;
    const stack = Stack.of(this);
    const logDir = '/var/log/cloudnest';
    const outLog = `${logDir}/${name}.out.log`;
    const errLog = `${logDir}/${name}.err.log`;
    userData.addCommands(
      'set -euo pipefail',
      'dnf install -y aws-cfn-bootstrap tar xz unzip amazon-cloudwatch-agent logrotate',
    );
    // Reports success or failure to CloudFormation, so a rolling update stops on a bad instance.
    userData.addSignalOnExitCommand(group);
    userData.addCommands(
      `NODE_VERSION=${nodeVersion}`,
      'ARCH=$(uname -m | sed -e s/aarch64/arm64/ -e s/x86_64/x64/)',
      'NODE_TGZ="node-v$NODE_VERSION-linux-$ARCH.tar.xz"',
      'cd /tmp',
      'curl -fsSLO "https://nodejs.org/dist/v$NODE_VERSION/$NODE_TGZ"',
      'curl -fsSLO "https://nodejs.org/dist/v$NODE_VERSION/SHASUMS256.txt"',
      'grep " $NODE_TGZ$" SHASUMS256.txt | sha256sum -c -',
      'tar -xJf "$NODE_TGZ" -C /usr/local --strip-components=1',
      'npm install -g pm2@6',
      'id cloudnest >/dev/null 2>&1 || useradd --system --create-home cloudnest',
      `mkdir -p ${dir} ${logDir}`,
      `chown cloudnest:cloudnest ${logDir}`,
    );
    if (app.codePath) {
      const asset = new s3assets.Asset(this, `${name === 'backend' ? 'Backend' : 'Frontend'}Code`, {
        path: app.codePath,
      });
      // Read access to this one object only (Asset.grantRead would grant s3:GetObject* on the bucket).
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [`arn:${stack.partition}:s3:::${asset.s3BucketName}/${asset.s3ObjectKey}`],
        }),
      );
      const archive = userData.addS3DownloadCommand({ bucket: asset.bucket, bucketKey: asset.s3ObjectKey });
      userData.addCommands(`unzip -o -q ${archive} -d ${dir}`);
      const packages = Object.entries(app.runtimeDependencies ?? {});
      for (const [name, range] of packages) {
        if (!/^(@[a-z0-9-]+\/)?[a-z0-9._-]+$/.test(name) || !/^[\w.^~<>=| -]+$/.test(range)) {
          throw new Error(`runtime dependency ${name}@${range} is not a plain npm package and version range`);
        }
      }
      if (packages.length > 0) {
        userData.addCommands(
          `cd ${dir}`,
          `npm install --omit=dev --no-save --no-audit --no-fund ${packages.map(([n, r]) => `'${n}@${r}'`).join(' ')}`,
          'cd /tmp',
        );
      }
    } else {
      userData.addCommands(
        `cat > ${dir}/${app.entry} <<'CLOUDNEST_EOF'`,
        PLACEHOLDER_FRONTEND,
        'CLOUDNEST_EOF',
      );
    }
    const environment = { NODE_ENV: 'production', ...app.environment, PORT: String(port) };
    // Fork mode: PM2's cluster mode loads the script with require(), which the ESM server bundle
    // does not survive; scaling out is the Auto Scaling group's job.
    const ecosystem = stack.toJsonString({
      apps: [
        {
          name: `cloudnest-${name}`,
          cwd: dir,
          script: app.entry,
          exec_mode: 'fork',
          instances: 1,
          // PM2 sends SIGINT, then SIGKILL after kill_timeout, 1.6 s by default: the API's drain
          // (SHUTDOWN_TIMEOUT_MS, 10 s, with a mail send's 7 s inside) was cut off, and a manual
          // `pm2 restart` killed requests in flight (found in review, 2026-12-07).
          kill_timeout: 15_000,
          env: environment,
          // Fixed paths the CloudWatch agent tails (PM2's default is under the user's home).
          out_file: outLog,
          error_file: errLog,
          // Written as named: otherwise PM2 inserts its process id (`backend.out-0.log`), since it
          // merges logs by itself only when `instances` is unset, and the agent read files that
          // never existed, so no line left the instances (found in review, 2026-12-07).
          merge_logs: true,
        },
      ],
    });
    // Ships both files to the group, one stream per instance and file; without it the logs never
    // left the instance and vanished with it.
    const agentConfig = stack.toJsonString({
      // Memory and root-disk use per Auto Scaling group (the aggregate the alarms watch), beside
      // the per-instance series.
      metrics: {
        namespace: INSTANCE_METRICS_NAMESPACE,
        // The agent's own placeholders, filled in on the instance.
        append_dimensions: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudWatch agent placeholder
          AutoScalingGroupName: '${aws:AutoScalingGroupName}',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudWatch agent placeholder
          InstanceId: '${aws:InstanceId}',
        },
        aggregation_dimensions: [['AutoScalingGroupName']],
        metrics_collected: {
          mem: { measurement: ['mem_used_percent'] },
          disk: { measurement: ['used_percent'], resources: ['/'] },
        },
      },
      logs: {
        logs_collected: {
          files: {
            collect_list: [
              {
                file_path: outLog,
                log_group_name: logGroup.logGroupName,
                log_stream_name: '{instance_id}/out',
              },
              {
                file_path: errLog,
                log_group_name: logGroup.logGroupName,
                log_stream_name: '{instance_id}/err',
              },
            ],
          },
        },
      },
    });
    const agentConfigPath = '/opt/aws/amazon-cloudwatch-agent/etc/cloudnest.json';
    userData.addCommands(
      `cat > ${agentConfigPath} <<'CLOUDNEST_EOF'`,
      agentConfig,
      'CLOUDNEST_EOF',
      `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${agentConfigPath}`,
      // The files stay on a 20 GB volume: keep a few days locally (the agent follows copytruncate).
      `cat > /etc/logrotate.d/cloudnest <<'CLOUDNEST_EOF'`,
      `${logDir}/*.log {`,
      '  daily',
      '  rotate 3',
      '  compress',
      '  missingok',
      '  notifempty',
      '  copytruncate',
      '}',
      'CLOUDNEST_EOF',
    );
    userData.addCommands(
      `cat > ${dir}/ecosystem.config.json <<'CLOUDNEST_EOF'`,
      ecosystem,
      'CLOUDNEST_EOF',
      `chown -R cloudnest:cloudnest ${dir}`,
      `sudo -u cloudnest -H pm2 start ${dir}/ecosystem.config.json`,
      'sudo -u cloudnest -H pm2 save',
      'env PATH="$PATH:/usr/local/bin" pm2 startup systemd -u cloudnest --hp /home/cloudnest',
      `curl -fsS --retry 30 --retry-delay 2 --retry-all-errors http://127.0.0.1:${port}${name === 'backend' ? BACKEND_READY_PATH : '/'} >/dev/null`,
    );
  }
}
