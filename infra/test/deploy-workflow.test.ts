import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ExpressionContext, evaluateExpression, isTruthy } from './actions-expression.js';

const WORKFLOWS = join(import.meta.dirname, '..', '..', '.github', 'workflows');
const deployWorkflow = (): string => readFileSync(join(WORKFLOWS, 'deploy.yml'), 'utf8');
const ciWorkflow = (): string => readFileSync(join(WORKFLOWS, 'ci.yml'), 'utf8');

/** The deploy job's `if:` condition, folded to one line (a `>-` block or a plain scalar). */
function deployCondition(workflow: string): string {
  // Only the deploy job's own `if:` (4 spaces in), not a step's (8 spaces in) or another job's.
  const job = /\njobs:\n(?:.*\n)*? {2}deploy:\n((?: {4,}.*\n|\s*\n)+)/.exec(workflow)?.[1];
  if (!job) throw new Error('the workflow has no deploy job');
  const match = /^ {4}if: (?:>-\n((?: {6}.*\n)+)|(.*)\n)/m.exec(job);
  if (!match) throw new Error('the deploy job has no if: condition');
  return (match[1] ?? match[2] ?? '').replace(/\s+/g, ' ').trim();
}

/** The events a workflow's `on:` block names (its keys two spaces in). */
function triggers(workflow: string): string[] {
  const block = /\non:\n((?: {2,}.*\n|\s*\n)+)/.exec(workflow)?.[1] ?? '';
  return [...block.matchAll(/^ {2}([a-z_]+):/gm)].map((match) => match[1] ?? '');
}

const REPOSITORY = 'cloudnest/cloudnest';
const FORK = 'mallory/cloudnest';

/** The `github` context of a Deploy run started when a CI run completed. */
function afterCi(run: { conclusion: string; event: string; from: string }): ExpressionContext {
  return {
    github: {
      event_name: 'workflow_run',
      repository: REPOSITORY,
      event: {
        workflow_run: {
          conclusion: run.conclusion,
          event: run.event,
          head_branch: 'main',
          head_repository: { full_name: run.from },
        },
      },
    },
  };
}

/**
 * What the deploy job must do for every kind of run that starts the workflow: deploy.yml runs on
 * workflow_dispatch and on a completed CI run, and CI runs for pushes and pull requests (a fork's
 * PR from a branch named `main` passes the workflow_run `branches` filter).
 */
const DECISIONS: ReadonlyArray<{ run: string; github: ExpressionContext; deploys: boolean }> = [
  {
    run: 'a manual dispatch',
    github: { github: { event_name: 'workflow_dispatch', repository: REPOSITORY, event: { inputs: {} } } },
    deploys: true,
  },
  {
    run: 'a successful CI run of a push to this repository',
    github: afterCi({ conclusion: 'success', event: 'push', from: REPOSITORY }),
    deploys: true,
  },
  {
    run: 'a failed CI run of a push to this repository',
    github: afterCi({ conclusion: 'failure', event: 'push', from: REPOSITORY }),
    deploys: false,
  },
  {
    run: 'a cancelled CI run of a push to this repository',
    github: afterCi({ conclusion: 'cancelled', event: 'push', from: REPOSITORY }),
    deploys: false,
  },
  {
    run: "a successful CI run of a pull request from this repository's branch",
    github: afterCi({ conclusion: 'success', event: 'pull_request', from: REPOSITORY }),
    deploys: false,
  },
  {
    run: 'a successful CI run of a pull request from a fork',
    github: afterCi({ conclusion: 'success', event: 'pull_request', from: FORK }),
    deploys: false,
  },
  {
    run: 'a failed CI run of a pull request from a fork',
    github: afterCi({ conclusion: 'failure', event: 'pull_request', from: FORK }),
    deploys: false,
  },
  {
    run: 'a successful CI run of a push in a fork',
    github: afterCi({ conclusion: 'success', event: 'push', from: FORK }),
    deploys: false,
  },
];

/** The runs for which the condition decides otherwise than DECISIONS says (empty when right). */
function wrongDecisions(condition: string): string[] {
  return DECISIONS.filter(
    (decision) => isTruthy(evaluateExpression(condition, decision.github)) !== decision.deploys,
  ).map((decision) => `${decision.deploys ? 'does not deploy' : 'deploys'} ${decision.run}`);
}

describe('the deploy workflow (.github/workflows/deploy.yml)', () => {
  it('deploys after CI only for pushes to this repository, never for a pull request or a fork', () => {
    expect(wrongDecisions(deployCondition(deployWorkflow()))).toEqual([]);
  });

  it('has a case for every run that can start it', () => {
    // A new trigger (here or in CI) would start runs the table above says nothing about.
    expect(triggers(deployWorkflow()).sort()).toEqual(['workflow_dispatch', 'workflow_run']);
    expect(triggers(ciWorkflow()).sort()).toEqual(['pull_request', 'push']);
  });

  it('refuses conditions that deploy the wrong runs', () => {
    const wrong: Record<string, string> = {
      // Before review on 2026-12-07: any successful CI run on a branch named main, forks' included.
      'the condition it had before':
        "github.event_name == 'workflow_dispatch' || github.event.workflow_run.conclusion == 'success'",
      'every && turned into ||':
        "github.event_name == 'workflow_dispatch' || (github.event.workflow_run.conclusion == 'success' || github.event.workflow_run.event == 'push' || github.event.workflow_run.head_repository.full_name == github.repository)",
      'no conclusion check':
        "github.event_name == 'workflow_dispatch' || (github.event.workflow_run.event == 'push' && github.event.workflow_run.head_repository.full_name == github.repository)",
      'no event check':
        "github.event_name == 'workflow_dispatch' || (github.event.workflow_run.conclusion == 'success' && github.event.workflow_run.head_repository.full_name == github.repository)",
      'no repository check':
        "github.event_name == 'workflow_dispatch' || (github.event.workflow_run.conclusion == 'success' && github.event.workflow_run.event == 'push')",
      'no manual dispatch':
        "github.event.workflow_run.conclusion == 'success' && github.event.workflow_run.event == 'push' && github.event.workflow_run.head_repository.full_name == github.repository",
    };
    for (const [name, condition] of Object.entries(wrong)) {
      expect(wrongDecisions(condition), name).not.toEqual([]);
    }
  });

  it('builds the web app for ec2-alb, whose frontend serves it, and only there', () => {
    // The step that runs the web build, with its `if:`.
    const step = /\n {6}- name: [^\n]*\n((?: {8}.*\n)*? {8}run: npm run build:ec2 -w @cloudnest\/web\n)/.exec(
      deployWorkflow(),
    )?.[1];
    const condition = /^ {8}if: (.*)$/m.exec(step ?? '')?.[1];
    expect(condition).toBeDefined();
    const builds = (topology: string) =>
      isTruthy(evaluateExpression(condition ?? 'false', { env: { TOPOLOGY: topology } }));
    expect(builds('ec2-alb')).toBe(true);
    for (const topology of ['lambda-vpc', 'lambda-image', 'fargate']) expect(builds(topology)).toBe(false);
  });

  it('evaluates expressions the way GitHub Actions does', () => {
    const github: ExpressionContext = { github: { event_name: 'push', event: {} } };
    // && binds tighter than ||.
    expect(evaluateExpression('true || false && false', github)).toBe(true);
    expect(evaluateExpression('(true || false) && false', github)).toBe(false);
    // Strings compare case-insensitively; a missing property is null, which no string equals.
    expect(evaluateExpression("github.event_name == 'PUSH'", github)).toBe(true);
    expect(evaluateExpression("github.event.workflow_run.event == 'push'", github)).toBe(false);
    expect(evaluateExpression("github.event.workflow_run.event != 'push'", github)).toBe(true);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression's wrapper, not a JS template.
    expect(evaluateExpression('${{ !github.event.workflow_run }}', github)).toBe(true);
    // && and || return an operand, not a boolean.
    expect(evaluateExpression("github.event_name && 'yes'", github)).toBe('yes');
    // Functions such as success() are outside the subset: refused, never guessed.
    expect(() => evaluateExpression('success() && true', github)).toThrow(/success\(\) unsupported/);
  });
});
