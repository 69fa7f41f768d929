import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { isEmail } from '../validation.js';

/** Props of {@link Observability}. */
export interface ObservabilityProps {
  /**
   * Address subscribed to the alarm topic.
   * @default - no subscription; subscribe later (the topic ARN is an output)
   */
  readonly alarmEmail?: string;
  /**
   * 5xx responses, as a percentage of requests over 5 minutes, that raise the API alarm.
   * @default 5
   */
  readonly serverErrorRatePercent?: number;
  /**
   * Connections that raise the database connections alarm. Size it below the instance class's
   * `max_connections` (the stacks pass `connectionsAlarmThreshold`, 80 % of the estimate): at or
   * above the limit the alarm could fire only once connections are already refused.
   * @default 80
   */
  readonly databaseConnectionsThreshold?: number;
  /**
   * Free storage (bytes) under which the database storage alarm fires.
   * @default 2 GiB
   */
  readonly databaseFreeStorageBytes?: number;
  /**
   * Let EC2 Auto Scaling (its service-linked role) publish scaling notifications to the
   * encrypted topic.
   * @default false
   */
  readonly autoScalingNotifications?: boolean;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The message (`msg`) the API logs at error level when an in-process maintenance run fails
 * (`MaintenanceService.schedule` in api/src/jobs/maintenance.service.ts; a test keeps them equal).
 */
export const MAINTENANCE_FAILED_MESSAGE = 'maintenance run failed';

/**
 * The message (`msg`) the API logs at error level when it gives up on a mail: its delivery window
 * passed or SES refused it for good (api/src/mail/). Retried failures log at warn level and alarm
 * on nothing.
 */
export const MAIL_NOT_DELIVERED_MESSAGE = 'mail not delivered';

/**
 * One encrypted SNS topic and the alarms that publish to it. The `monitor…` methods add the
 * alarms for one resource each, so a stack states what it watches in one line per resource.
 */
export class Observability extends Construct {
  /** Where every alarm publishes (and recovers). */
  readonly topic: sns.Topic;
  /** Every alarm created so far. */
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly action: cwActions.SnsAction;
  private readonly serverErrorRatePercent: number;
  private readonly databaseConnectionsThreshold: number;
  private readonly databaseFreeStorageBytes: number;

  constructor(scope: Construct, id: string, props: ObservabilityProps = {}) {
    super(scope, id);
    this.serverErrorRatePercent = props.serverErrorRatePercent ?? 5;
    this.databaseConnectionsThreshold = props.databaseConnectionsThreshold ?? 80;
    this.databaseFreeStorageBytes = props.databaseFreeStorageBytes ?? 2 * 1024 ** 3;
    if (this.serverErrorRatePercent <= 0 || this.serverErrorRatePercent > 100) {
      throw new Error(`serverErrorRatePercent must be in (0, 100], got ${this.serverErrorRatePercent}`);
    }
    if (props.alarmEmail !== undefined && !isEmail(props.alarmEmail)) {
      throw new Error(`alarmEmail "${props.alarmEmail}" is not an email address`);
    }

    const stack = Stack.of(this);
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the topic
    // gets its own key that CloudWatch may use.
    const key = new kms.Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'Encrypts the CloudNest alarm topic',
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    if (props.autoScalingNotifications) {
      // Principal "*" narrowed by conditions: naming the service-linked role directly would fail
      // in accounts where Auto Scaling has not created it yet.
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.AnyPrincipal()],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'aws:PrincipalArn': `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
            },
            StringEquals: { 'kms:CallerAccount': stack.account },
          },
        }),
      );
    }
    this.topic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true });
    // A topic policy replaces SNS's default one, whose account-wide allow is what lets CloudWatch
    // publish; enforceSSL's policy holds only a Deny, so without this statement every alarm action
    // failed with "not authorized to perform: SNS:Publish" (found in review, 2026-12-07).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
          },
        },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.action = new cwActions.SnsAction(this.topic);
  }

  /** Seed 001's alarms: more than 10 errors in 5 minutes twice in a row, and any throttle. */
  monitorFunction(id: string, fn: lambda.IFunction): void {
    this.add(`${id}Errors`, {
      metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 10,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${id}: more than 10 errors in 5 minutes for 2 periods`,
    });
    this.add(`${id}Throttles`, {
      metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${id}: any throttled invocation`,
    });
  }

  /** 5xx rate of an HTTP API, as a percentage of its requests. */
  monitorHttpApi(id: string, api: apigwv2.IHttpApi): void {
    const rate = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
        requests: api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
      },
      period: FIVE_MINUTES,
      label: '5xx rate (%)',
    });
    this.add(`${id}ServerErrorRate`, {
      metric: rate,
      threshold: this.serverErrorRatePercent,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${id}: more than ${this.serverErrorRatePercent}% of requests answered 5xx`,
    });
  }

  /** Load balancer 5xx rate (target and ELB errors), and unhealthy hosts and no healthy host of each target group. */
  monitorLoadBalancer(
    id: string,
    alb: elbv2.IApplicationLoadBalancer,
    targetGroups: Record<string, elbv2.IApplicationTargetGroup>,
  ): void {
    const rate = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * (target5xx + elb5xx) / requests, 0)',
      usingMetrics: {
        target5xx: alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
          period: FIVE_MINUTES,
        }),
        elb5xx: alb.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: FIVE_MINUTES }),
        requests: alb.metrics.requestCount({ period: FIVE_MINUTES }),
      },
      period: FIVE_MINUTES,
      label: '5xx rate (%)',
    });
    this.add(`${id}ServerErrorRate`, {
      metric: rate,
      threshold: this.serverErrorRatePercent,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${id}: more than ${this.serverErrorRatePercent}% of requests answered 5xx`,
    });
    for (const [name, group] of Object.entries(targetGroups)) {
      this.add(`${id}${name}UnhealthyHosts`, {
        metric: group.metrics.unhealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 0,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        alarmDescription: `${id}: ${name} target group has unhealthy hosts for 3 minutes`,
      });
      // When no target is healthy (tasks that die at startup, instances that never got healthy)
      // the load balancer answers 503 without counting a request, so the 5xx rate above reads 0
      // (found in review, 2026-12-07). The load balancer reports 0 healthy hosts once targets are
      // registered; missing data (before any are, during a stack's first deploy) is no alarm, and
      // five minutes leave a first deploy's targets time to pass their health checks.
      this.add(`${id}${name}NoHealthyHosts`, {
        metric: group.metrics.healthyHostCount({ period: Duration.minutes(1), statistic: 'Minimum' }),
        threshold: 1,
        evaluationPeriods: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        alarmDescription: `${id}: ${name} target group has had no healthy host for 5 minutes (everyone gets 503)`,
      });
      this.add(`${id}${name}Target5xx`, {
        metric: group.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: FIVE_MINUTES }),
        threshold: 10,
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        alarmDescription: `${id}: ${name} targets answered more than 10 5xx in 5 minutes twice in a row`,
      });
    }
  }

  /** CPU and memory of an ECS service. */
  monitorService(id: string, service: ecs.BaseService): void {
    this.add(`${id}Cpu`, {
      metric: service.metricCpuUtilization({ period: FIVE_MINUTES }),
      threshold: 85,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${id}: CPU above 85% for 15 minutes`,
    });
    this.add(`${id}Memory`, {
      metric: service.metricMemoryUtilization({ period: FIVE_MINUTES }),
      threshold: 85,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${id}: memory above 85% for 15 minutes`,
    });
  }

  /**
   * Any line at error level or above in a log group of the app's JSON logs (pino: `level` ≥ 50).
   * For a function whose errors are reported rather than thrown: the migration function logs an
   * authenticator secret no MFA key opens, and does not fail the deploy over it.
   */
  monitorErrorLogs(id: string, logGroup: logs.ILogGroup): void {
    this.alarmOnLogLines(
      `${id}ErrorLog`,
      `${id}ErrorLogs`,
      logGroup,
      logs.FilterPattern.numberValue('$.level', '>=', 50),
      `${id}: logged an error (read the log group for what needs an operator)`,
    );
  }

  /**
   * A failed maintenance run of a server (Fargate task, EC2 instance), which runs the job on an
   * in-process interval and logs {@link MAINTENANCE_FAILED_MESSAGE} when a run throws: nothing
   * else would notice, since the server keeps serving.
   */
  monitorMaintenanceLogs(id: string, logGroup: logs.ILogGroup): void {
    this.alarmOnLogLines(
      `${id}MaintenanceFailed`,
      `${id}MaintenanceFailed`,
      logGroup,
      logs.FilterPattern.stringValue('$.msg', '=', MAINTENANCE_FAILED_MESSAGE),
      `${id}: a maintenance run failed (account purge, expired uploads…); read the log group`,
    );
  }

  /**
   * A mail the API gave up on ({@link MAIL_NOT_DELIVERED_MESSAGE}) in the API's log group: the
   * request that queued it has long been answered, so nobody else learns that a user never got
   * the mail.
   */
  monitorMailDeliveryLogs(id: string, logGroup: logs.ILogGroup): void {
    this.alarmOnLogLines(
      `${id}MailNotDelivered`,
      `${id}MailNotDelivered`,
      logGroup,
      logs.FilterPattern.stringValue('$.msg', '=', MAIL_NOT_DELIVERED_MESSAGE),
      `${id}: a mail was given up on (delivery window passed or SES refused it); read the log group for which mail and why`,
    );
  }

  /**
   * An alarm as soon as one line matching `pattern` reaches `logGroup` in five minutes. The
   * filter's id is `${filterId}Filter` and the metric and alarm are named `name` (ids unchanged
   * from when each monitor built its own). The metric lives in `CloudNest/<stack name>`.
   */
  private alarmOnLogLines(
    filterId: string,
    name: string,
    logGroup: logs.ILogGroup,
    pattern: logs.IFilterPattern,
    alarmDescription: string,
  ): void {
    // Deployments share an account and region (dev, prod and autonote all default to us-east-1),
    // and one metric fed by two stacks' filters raises and clears both stacks' alarms. The stack
    // name is unique there, but a metric filter's dimension values can only be fields of the log
    // event, never a constant, so the name goes into the namespace.
    const filter = new logs.MetricFilter(this, `${filterId}Filter`, {
      logGroup,
      filterPattern: pattern,
      metricNamespace: `CloudNest/${Stack.of(this).stackName}`,
      metricName: name,
      metricValue: '1',
      defaultValue: 0,
    });
    this.add(name, {
      metric: filter.metric({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription,
    });
  }

  /**
   * Failed asynchronous invocations parked in a queue (the maintenance schedule's on-failure
   * destination): the alarm stays raised until someone has read and purged the queue.
   */
  monitorFailedInvocations(id: string, queue: sqs.IQueue): void {
    this.add(`${id}FailedRuns`, {
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${id}: a run failed after its retries; the event and error are in the queue (purge it once handled)`,
    });
  }

  /**
   * Memory and root-disk use of an Auto Scaling group's instances, as their CloudWatch agent
   * publishes them (`Ec2AlbApp`): EC2 measures neither, and a Node process that leaks or logs
   * fill the disk long before CPU says anything.
   */
  monitorInstances(id: string, group: autoscaling.IAutoScalingGroup, namespace: string): void {
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace,
        metricName,
        dimensionsMap: { AutoScalingGroupName: group.autoScalingGroupName },
        statistic,
        period: FIVE_MINUTES,
      });
    this.add(`${id}Memory`, {
      metric: metric('mem_used_percent', 'Maximum'),
      threshold: 90,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${id}: an instance used over 90% of its memory for 15 minutes`,
    });
    this.add(`${id}Disk`, {
      metric: metric('disk_used_percent', 'Maximum'),
      threshold: 85,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${id}: an instance's root volume is over 85% full`,
    });
  }

  /** CPU, free storage and connections of an RDS instance. */
  monitorDatabase(id: string, instance: rds.IDatabaseInstance): void {
    this.add(`${id}Cpu`, {
      metric: instance.metricCPUUtilization({ period: FIVE_MINUTES }),
      threshold: 80,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${id}: CPU above 80% for 15 minutes`,
    });
    this.add(`${id}FreeStorage`, {
      metric: instance.metricFreeStorageSpace({ period: FIVE_MINUTES, statistic: 'Minimum' }),
      threshold: this.databaseFreeStorageBytes,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      alarmDescription: `${id}: free storage below ${this.databaseFreeStorageBytes} bytes`,
    });
    this.add(`${id}Connections`, {
      metric: instance.metricDatabaseConnections({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      threshold: this.databaseConnectionsThreshold,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${id}: more than ${this.databaseConnectionsThreshold} connections for 10 minutes`,
    });
  }

  private add(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
