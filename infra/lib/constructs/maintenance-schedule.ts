import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
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
 */
export class MaintenanceSchedule extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: MaintenanceScheduleProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      description: 'CloudNest API maintenance: account purge and expired uploads',
      schedule: events.Schedule.rate(props.every ?? Duration.hours(1)),
      targets: [new targets.LambdaFunction(props.target, { retryAttempts: 2 })],
    });
  }
}
