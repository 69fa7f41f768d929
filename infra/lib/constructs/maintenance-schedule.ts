import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/** Props of {@link MaintenanceSchedule}. */
export interface MaintenanceScheduleProps {
  /**
   * The API function (or alias); it runs one maintenance pass per scheduled event and one mail
   * delivery pass per `{"job":"deliver-mail"}` event.
   */
  readonly target: lambda.IFunction;
  /**
   * How often the maintenance pass runs.
   * @default Duration.hours(1)
   */
  readonly every?: Duration;
  /**
   * How often the mail delivery pass runs: it retries queued mail whose first attempt (made in
   * the request) failed, so this bounds how late a retried mail can arrive. A whole number of
   * minutes, 1 to 60 (EventBridge's finest rate; the API's longest retry interval). Longer than a
   * minute, the function gets `MAIL_RETRY_INTERVAL_SECONDS` of the same length: the API schedules
   * a code's or link's last retry one pass interval before its life ends (at least a minute), so a
   * pass still takes it; a value the function already sets is kept when at least as long, refused
   * when shorter. The target must then be a function or an alias of one made in this app.
   * @default Duration.minutes(1)
   */
  readonly mailDeliveryEvery?: Duration;
}

/** The event that makes the API function run one mail delivery pass (api/src/lambda.ts). */
export const MAIL_DELIVERY_EVENT = { job: 'deliver-mail' } as const;

/**
 * Runs the API's background jobs on the serverless topologies: the maintenance job (erasing
 * accounts deleted over 30 days ago, removing expired uploads) hourly, and the mail delivery pass
 * (retrying queued mail with backoff) every minute. Servers run both on in-process intervals; a
 * function has no long-lived process, so EventBridge rules invoke it instead. Both rules live here
 * because a function takes one async-invoke configuration: a run of either job that still fails
 * after Lambda's two retries lands in `failedRuns`, which an alarm watches.
 */
export class MaintenanceSchedule extends Construct {
  /** The hourly maintenance rule (a plain scheduled event). */
  readonly rule: events.Rule;
  /** The per-minute mail delivery rule (the event is {@link MAIL_DELIVERY_EVENT}). */
  readonly mailDeliveryRule: events.Rule;
  /** Failed runs (the event and the error), kept 14 days for whoever answers the alarm. */
  readonly failedRuns: sqs.Queue;

  constructor(scope: Construct, id: string, props: MaintenanceScheduleProps) {
    super(scope, id);
    const every = props.every ?? Duration.hours(1);
    const mailDeliveryEvery = props.mailDeliveryEvery ?? Duration.minutes(1);
    assertRate('every', every);
    assertRate('mailDeliveryEvery', mailDeliveryEvery);
    if (mailDeliveryEvery.toMinutes() > 60) {
      throw new Error(
        `mailDeliveryEvery must be at most 60 minutes (the API's longest MAIL_RETRY_INTERVAL_SECONDS), got ${mailDeliveryEvery.toHumanString()}`,
      );
    }
    if (mailDeliveryEvery.toMinutes() > 1) tellRetryInterval(props.target, mailDeliveryEvery);

    this.failedRuns = new sqs.Queue(this, 'FailedRuns', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(this.failedRuns, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter destination of failed scheduled runs (maintenance, mail delivery); nothing consumes it, an operator reads it when its alarm fires.',
      },
    ]);
    // Only these rules invoke the function asynchronously (HTTP API requests are synchronous), so
    // this applies to scheduled runs alone.
    props.target.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(this.failedRuns),
    });
    this.rule = new events.Rule(this, 'Rule', {
      description: 'CloudNest API maintenance: account purge and expired uploads',
      schedule: events.Schedule.rate(every),
      targets: [new targets.LambdaFunction(props.target, { retryAttempts: 2 })],
    });
    this.mailDeliveryRule = new events.Rule(this, 'MailDeliveryRule', {
      description: 'CloudNest API mail delivery: retries queued mail whose earlier attempt failed',
      schedule: events.Schedule.rate(mailDeliveryEvery),
      targets: [
        new targets.LambdaFunction(props.target, {
          event: events.RuleTargetInput.fromObject(MAIL_DELIVERY_EVENT),
          retryAttempts: 2,
        }),
      ],
    });
  }
}

/**
 * Sets the function's `MAIL_RETRY_INTERVAL_SECONDS` to the delivery pass's interval. Found in
 * review: a longer interval left at the API's default of 30 s let a mailed code's last retry fall
 * between two passes, after the code had expired. A value the function already has is kept when
 * it is at least the pass interval (the API then schedules the last retry earlier still, which a
 * pass takes) and refused when shorter, rather than replaced without a word.
 */
function tellRetryInterval(target: lambda.IFunction, every: Duration): void {
  const fn = target instanceof lambda.Alias ? target.version.lambda : target;
  const seconds = every.toSeconds();
  if (!(fn instanceof lambda.Function)) {
    throw new Error(
      `mailDeliveryEvery longer than a minute needs MAIL_RETRY_INTERVAL_SECONDS=${seconds} on the function; give a function or an alias of one made in this app, or set it yourself and keep the default`,
    );
  }
  const given = environmentOf(fn)[RETRY_INTERVAL_VARIABLE];
  if (given === undefined) {
    fn.addEnvironment(RETRY_INTERVAL_VARIABLE, String(seconds));
    return;
  }
  if (typeof given !== 'string' || !/^\d+$/.test(given) || Number(given) < seconds) {
    throw new Error(
      `${fn.node.path} sets ${RETRY_INTERVAL_VARIABLE}=${typeof given === 'string' ? given : JSON.stringify(given)}, but mailDeliveryEvery (${every.toHumanString()}) needs at least ${seconds}: a mail's last retry would fall between two delivery passes. Remove the variable (it is then set to ${seconds}) or raise it.`,
    );
  }
}

const RETRY_INTERVAL_VARIABLE = 'MAIL_RETRY_INTERVAL_SECONDS';

/** The function's environment variables as they stand now (lambda.Function keeps them private). */
function environmentOf(fn: lambda.Function): Record<string, unknown> {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const environment: unknown = Stack.of(fn).resolve(cfn.environment);
  if (typeof environment !== 'object' || environment === null) return {};
  const variables = (environment as { variables?: unknown }).variables;
  return typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : {};
}

/** EventBridge rates are whole minutes; naming the prop beats CDK's unit-conversion error. */
function assertRate(name: string, duration: Duration): void {
  const minutes = duration.toMinutes({ integral: false });
  if (!Number.isInteger(minutes) || minutes < 1) {
    throw new Error(`${name} must be a whole number of minutes, at least 1, got ${duration.toHumanString()}`);
  }
}
