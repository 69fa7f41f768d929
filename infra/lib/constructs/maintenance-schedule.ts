import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/** Props of {@link MaintenanceSchedule}. */
export interface MaintenanceScheduleProps {
  /** The API function (or alias); it runs one maintenance pass per scheduled event. */
  readonly target: lambda.IFunction;
  /**
   * How often the pass runs.
   * @default Duration.hours(1)
   */
  readonly every?: Duration;
}

/**
 * Runs the API's maintenance job (erasing accounts deleted over 30 days ago, removing expired
 * uploads) on the serverless topologies. Servers run it on an in-process interval; a function has
 * no long-lived process, so an EventBridge schedule invokes it with a scheduled event instead.
 * A run that still fails after Lambda's two retries lands in `failedRuns`, which an alarm watches:
 * at most three errors an hour never reach the function error alarm.
 */
export class MaintenanceSchedule extends Construct {
  readonly rule: events.Rule;
  /** Failed runs (the event and the error), kept 14 days for whoever answers the alarm. */
  readonly failedRuns: sqs.Queue;

  constructor(scope: Construct, id: string, props: MaintenanceScheduleProps) {
    super(scope, id);
    this.failedRuns = new sqs.Queue(this, 'FailedRuns', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(this.failedRuns, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter destination of failed maintenance runs; nothing consumes it, an operator reads it when its alarm fires.',
      },
    ]);
    // Only the schedule invokes the function asynchronously (HTTP API requests are synchronous), so
    // this applies to maintenance runs alone.
    props.target.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(this.failedRuns),
    });
    this.rule = new events.Rule(this, 'Rule', {
      description: 'CloudNest API maintenance: account purge and expired uploads',
      schedule: events.Schedule.rate(props.every ?? Duration.hours(1)),
      targets: [new targets.LambdaFunction(props.target, { retryAttempts: 2 })],
    });
  }
}
