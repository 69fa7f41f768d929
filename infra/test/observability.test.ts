import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { INSTANCE_METRICS_NAMESPACE } from '../lib/constructs/ec2-alb-app.js';
import { type PresetName, resolvePreset, supportedCombinations, type Topology } from '../lib/presets.js';
import { type DeploymentSettings, stackName } from '../lib/settings.js';
import { sampleSettings, synthesize } from './support.js';

/**
 * What CloudWatch keys a metric by: whoever publishes to the same namespace, name and dimensions
 * feeds the same datapoints, so every alarm on it fires and clears with them.
 */
const identity = (namespace: unknown, name: unknown, dimensions: [unknown, unknown][] = []) =>
  JSON.stringify([namespace, name, [...dimensions].sort()]);

interface FilterProperties {
  MetricTransformations: {
    MetricNamespace: unknown;
    MetricName: unknown;
    Dimensions?: { Key: unknown; Value: unknown }[];
  }[];
}
interface AlarmProperties {
  Namespace?: unknown;
  MetricName?: unknown;
  Dimensions?: { Name: unknown; Value: unknown }[];
}

/** The metrics a stack's log metric filters publish, by filter logical id. */
function filterMetrics(template: Template): Map<string, string> {
  const metrics = new Map<string, string>();
  for (const [id, filter] of Object.entries(template.findResources('AWS::Logs::MetricFilter'))) {
    const [transformation, ...others] = (filter.Properties as FilterProperties).MetricTransformations;
    if (!transformation || others.length > 0) throw new Error(`${id}: expected one transformation`);
    metrics.set(
      id,
      identity(
        transformation.MetricNamespace,
        transformation.MetricName,
        transformation.Dimensions?.map((d) => [d.Key, d.Value]),
      ),
    );
  }
  return metrics;
}

/** The metrics a stack's single-metric alarms watch outside the AWS/ namespaces, by alarm logical id. */
function customAlarmMetrics(template: Template): Map<string, string> {
  const metrics = new Map<string, string>();
  for (const [id, alarm] of Object.entries(template.findResources('AWS::CloudWatch::Alarm'))) {
    const { Namespace, MetricName, Dimensions } = alarm.Properties as AlarmProperties;
    // AWS's metrics, and the instance agent's (memory, disk), have no log filter behind them.
    if (
      typeof Namespace !== 'string' ||
      Namespace.startsWith('AWS/') ||
      Namespace === INSTANCE_METRICS_NAMESPACE
    )
      continue;
    metrics.set(
      id,
      identity(
        Namespace,
        MetricName,
        Dimensions?.map((d) => [d.Name, d.Value]),
      ),
    );
  }
  return metrics;
}

// The presets that default to the same region as dev and prod: deployed without --region they share
// CloudWatch's metrics in one account, so each must publish its own.
const sameRegion = supportedCombinations().filter(
  ({ preset }) => resolvePreset(preset).region === resolvePreset('dev').region,
);
const deployments: DeploymentSettings[] = [
  ...sameRegion.map(({ topology, preset }) => sampleSettings(topology, preset)),
  // A second dev deployment under its own stack name (`-c stackName=…`), e.g. a staging copy.
  sampleSettings('lambda-vpc', 'dev', { stackName: 'CloudNest-staging-lambda-vpc' }),
];

describe('log metrics are per deployment (several stacks in one account and region)', () => {
  const templates = new Map<string, Template>();
  beforeAll(() => {
    for (const settings of deployments) {
      templates.set(stackName(settings), synthesize(settings, { nag: false }).template);
    }
  });

  it('covers dev and prod of every topology', () => {
    const names = [...templates.keys()];
    for (const preset of ['dev', 'prod'] satisfies PresetName[]) {
      for (const topology of ['lambda-vpc', 'lambda-image', 'fargate', 'ec2-alb'] satisfies Topology[]) {
        expect(names).toContain(`CloudNest-${preset}-${topology}`);
      }
    }
  });

  it('gives no two stacks a metric filter with the same namespace, metric name and dimensions', () => {
    const owners = new Map<string, string>();
    for (const [stack, template] of templates) {
      const metrics = [...filterMetrics(template).values()];
      // Every topology counts at least its mail and migration error lines.
      expect(metrics.length, stack).toBeGreaterThanOrEqual(2);
      expect(new Set(metrics).size, `${stack} publishes one metric from two filters`).toBe(metrics.length);
      for (const metric of metrics) {
        expect(owners.get(metric), `${metric} is published by ${owners.get(metric)} and ${stack}`).toBe(
          undefined,
        );
        owners.set(metric, stack);
      }
    }
  });

  it('points each log alarm at exactly the metric its own stack’s filter publishes', () => {
    for (const [stack, template] of templates) {
      const filters = [...filterMetrics(template).values()];
      const alarms = [...customAlarmMetrics(template).values()];
      // One alarm per filter and one filter per alarm, in the same stack.
      expect(alarms.sort(), stack).toEqual(filters.sort());
    }
  });

  it('publishes under the stack’s own namespace, CloudNest/<stack name>, without dimensions', () => {
    for (const [stack, template] of templates) {
      for (const [, filter] of Object.entries(template.findResources('AWS::Logs::MetricFilter'))) {
        const [transformation] = (filter.Properties as FilterProperties).MetricTransformations;
        expect(transformation?.MetricNamespace).toBe(`CloudNest/${stack}`);
        expect(transformation?.Dimensions).toBeUndefined();
      }
    }
  });
});

interface PolicyStatementJson {
  Effect: string;
  Principal?: { Service?: unknown };
  Action: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

describe('alarm notifications', () => {
  it.each(['lambda-vpc', 'lambda-image', 'fargate', 'ec2-alb'] satisfies Topology[])(
    'lets CloudWatch publish to every topic an alarm of %s notifies',
    (topology) => {
      const { template } = synthesize(sampleSettings(topology, 'dev'), { nag: false });
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      const topics = new Set(
        alarms.flatMap((alarm) =>
          ((alarm.Properties as { AlarmActions?: { Ref?: string }[] }).AlarmActions ?? []).map((a) => a.Ref),
        ),
      );
      expect(topics.size).toBeGreaterThan(0);
      const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
      for (const topic of topics) {
        expect(topic, 'alarm actions name topics of the stack').toBeDefined();
        // A topic policy replaces SNS's default one: some policy on the topic must allow CloudWatch.
        const statements = policies
          .filter((policy) =>
            (policy.Properties as { Topics: { Ref?: string }[] }).Topics.some((t) => t.Ref === topic),
          )
          .flatMap(
            (policy) =>
              (policy.Properties as { PolicyDocument: { Statement: PolicyStatementJson[] } }).PolicyDocument
                .Statement,
          );
        const allows = statements.filter(
          (statement) =>
            statement.Effect === 'Allow' &&
            statement.Principal?.Service === 'cloudwatch.amazonaws.com' &&
            statement.Action === 'sns:Publish',
        );
        expect(allows, `${topic}: no statement lets CloudWatch publish`).toHaveLength(1);
        // Only alarms of this account: not a confused deputy for another account's alarms.
        expect(allows[0]?.Condition?.StringEquals?.['aws:SourceAccount']).toBeDefined();
        expect(JSON.stringify(allows[0]?.Condition?.ArnLike?.['aws:SourceArn'])).toContain(':alarm:*');
      }
    },
  );
});
