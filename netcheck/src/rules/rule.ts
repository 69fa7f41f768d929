import { findPath } from '../engine/find-path.js';
import type { PathQuery, PathResult } from '../engine/path-types.js';
import type { NetworkModel } from '../model/network-model.js';

/** Finding severity: errors fail `netcheck check`. */
export type Severity = 'error' | 'warning' | 'info';

/** A problem found in the templates. `resource` is the model id where the fix belongs. */
export interface Finding {
  readonly id: string;
  readonly severity: Severity;
  readonly resource: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** A rule's verdict on one resource (compliant resources are not reported). */
export type RuleOutcome =
  | { readonly status: 'non-compliant'; readonly resource: string; readonly message: string }
  /** The rule could not decide because an input is unresolved; reported as NV-UNK-001. */
  | { readonly status: 'unknown'; readonly resource: string; readonly reason: string };

/** What rules may ask: the model and (memoised) path queries against it. */
export interface RuleContext {
  readonly model: NetworkModel;
  path(query: PathQuery): PathResult;
}

/** A netcheck rule: a pure function of the model (cdk-nag shape). */
export interface Rule {
  readonly id: string;
  readonly severity: Severity;
  /** One line: what the rule catches. */
  readonly description: string;
  /** One line: how to fix it. */
  readonly fix: string;
  evaluate(context: RuleContext): RuleOutcome[];
}

/** Whether some of the source's placements reach the destination and others are blocked. */
export function partlyReachable(result: PathResult): boolean {
  return result.blockedAt?.code === 'PARTIALLY_REACHABLE';
}

/**
 * A definite "no" from some of the source's placements: a function or task may run in any of its
 * subnets, so a path missing from one of them is a finding too.
 */
export function blockedSomewhere(result: PathResult): boolean {
  return result.reachable === false || partlyReachable(result);
}

/** Creates a rule context whose path queries are memoised (several rules ask the same questions). */
export function createRuleContext(model: NetworkModel): RuleContext {
  const memo = new Map<string, PathResult>();
  return {
    model,
    path(query) {
      const key = `${query.from}|${query.to}|${query.port}|${query.protocol ?? 'tcp'}`;
      let result = memo.get(key);
      if (!result) {
        result = findPath(model, query);
        memo.set(key, result);
      }
      return result;
    },
  };
}

/** Shorthand for a non-compliant outcome. */
export function violation(resource: string, message: string): RuleOutcome {
  return { status: 'non-compliant', resource, message };
}

/** Shorthand for an undecided outcome. */
export function undecided(resource: string, reason: string): RuleOutcome {
  return { status: 'unknown', resource, reason };
}
