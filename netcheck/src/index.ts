/**
 * netcheck: a static network reachability verifier for CloudFormation (JSON/YAML, SAM, CDK synth
 * output). See README.md for the API contract; everything exported here is stable.
 */
export { type CheckOptions, type CheckResult, check, checkTemplates, expandTemplatePaths } from './check.js';
export { EXPLANATION_CODES, type ExplanationCode } from './engine/explanation-codes.js';
export { findPath, findWorkload, PathQueryError } from './engine/find-path.js';
export type { BlockedAt, Hop, HopKind, PathQuery, PathResult } from './engine/path-types.js';
export { type MatrixEntry, servedPorts, trafficMatrix } from './engine/traffic-matrix.js';
export { buildNetworkModel } from './model/build-network-model.js';
export type { NetworkModel, Tri, Workload, WorkloadKind } from './model/network-model.js';
export { IntervalSet } from './net/interval-set.js';
export { ALL_RULES } from './rules/index.js';
export type { Finding, Rule, RuleOutcome, Severity } from './rules/rule.js';
export { MODEL_DIAGNOSTIC_FINDING_ID, runRules, UNRESOLVED_FINDING_ID } from './rules/run-rules.js';
export {
  loadTemplateFile,
  type ParsedTemplate,
  parseTemplate,
  type TemplateOptions,
  TemplateParseError,
} from './template/parse-template.js';
