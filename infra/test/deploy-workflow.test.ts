import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const WORKFLOW = join(import.meta.dirname, '..', '..', '.github', 'workflows', 'deploy.yml');

/** The deploy job's `if:` condition, folded to one line (a `>-` block or a plain scalar). */
function deployCondition(workflow: string): string {
  const match = /\n {4}if: (?:>-\n((?: {6}.*\n)+)|(.*)\n)/.exec(workflow);
  if (!match) throw new Error('the deploy job has no if: condition');
  return (match[1] ?? match[2] ?? '').replace(/\s+/g, ' ').trim();
}

/** Whether the condition lets a CI run deploy only for a push to this repository. */
function deploysOnlyPushesOfThisRepository(condition: string): boolean {
  return (
    condition.includes("github.event.workflow_run.event == 'push'") &&
    condition.includes('github.event.workflow_run.head_repository.full_name == github.repository')
  );
}

describe('the deploy workflow (.github/workflows/deploy.yml)', () => {
  it('deploys after CI only for pushes to this repository, never for a pull request or a fork', () => {
    expect(deploysOnlyPushesOfThisRepository(deployCondition(readFileSync(WORKFLOW, 'utf8')))).toBe(true);
  });

  it('refuses the condition it had before (any successful CI run on a branch named main)', () => {
    const before =
      "jobs:\n  deploy:\n    if: github.event_name == 'workflow_dispatch' || github.event.workflow_run.conclusion == 'success'\n";
    expect(deploysOnlyPushesOfThisRepository(deployCondition(before))).toBe(false);
  });
});
