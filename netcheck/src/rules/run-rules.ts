import type { NetworkModel } from '../model/network-model.js';
import { ALL_RULES } from './index.js';
import type { Finding, Rule, Severity } from './rule.js';
import { createRuleContext } from './rule.js';

/** Finding id for a rule that could not decide because of unresolved values. */
export const UNRESOLVED_FINDING_ID = 'NV-UNK-001';
/** Finding id for template content the model builder could not interpret. */
export const MODEL_DIAGNOSTIC_FINDING_ID = 'NV-MODEL-001';

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/**
 * Runs rules against a model. Non-compliant resources become findings with the rule's id and
 * severity; undecided ones become NV-UNK-001 warnings (never a silent pass); resources the model
 * builder had to skip become NV-MODEL-001 info findings.
 */
export function runRules(model: NetworkModel, rules: readonly Rule[] = ALL_RULES): Finding[] {
  const context = createRuleContext(model);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (finding: Finding): void => {
    const key = `${finding.id}|${finding.resource}|${finding.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push(finding);
  };
  for (const rule of rules) {
    for (const outcome of rule.evaluate(context)) {
      if (outcome.status === 'non-compliant')
        add({ id: rule.id, severity: rule.severity, resource: outcome.resource, message: outcome.message });
      else
        add({
          id: UNRESOLVED_FINDING_ID,
          severity: 'warning',
          resource: outcome.resource,
          message: `${rule.id} could not be verified: ${outcome.reason}`,
        });
    }
  }
  for (const content of model.unresolvedContent) {
    add({
      id: UNRESOLVED_FINDING_ID,
      severity: 'warning',
      resource: content.resource,
      message: content.message,
    });
  }
  for (const diagnostic of model.diagnostics) {
    add({
      id: MODEL_DIAGNOSTIC_FINDING_ID,
      severity: 'info',
      resource: diagnostic.resource,
      message: diagnostic.message,
    });
  }
  return findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.id.localeCompare(b.id) ||
      a.resource.localeCompare(b.resource),
  );
}
