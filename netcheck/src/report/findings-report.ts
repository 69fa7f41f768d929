import type { MatrixEntry } from '../engine/traffic-matrix.js';
import type { Finding } from '../rules/rule.js';
import { describeReachable, matrixMarkdown } from './matrix-report.js';

function counts(findings: readonly Finding[]): string {
  const of = (severity: Finding['severity']): number =>
    findings.filter((finding) => finding.severity === severity).length;
  return `${of('error')} error(s), ${of('warning')} warning(s), ${of('info')} info`;
}

/** Plain-text report for `netcheck check`. */
export function findingsText(
  findings: readonly Finding[],
  matrix: readonly MatrixEntry[],
  files: readonly string[],
): string {
  const lines = [`netcheck: ${counts(findings)} in ${files.join(', ')}`];
  for (const finding of findings) {
    lines.push(`${finding.severity.toUpperCase().padEnd(7)} ${finding.id.padEnd(12)} ${finding.resource}`);
    lines.push(`        ${finding.message}`);
  }
  const reachable = matrix.filter((entry) => entry.reachable === true).length;
  const blocked = matrix.filter((entry) => entry.reachable === false).length;
  lines.push(
    '',
    `traffic matrix: ${matrix.length} flows, ${reachable} reachable, ${blocked} blocked, ${matrix.length - reachable - blocked} unknown`,
  );
  for (const entry of matrix) {
    const why = entry.blockedAt ? `  (${entry.blockedAt.code} at ${entry.blockedAt.resource})` : '';
    lines.push(
      `  ${entry.from} → ${entry.to} ${entry.protocol}/${entry.port}: ${describeReachable(entry.reachable)}${why}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** Markdown report for `netcheck check --format markdown`. */
export function findingsMarkdown(
  findings: readonly Finding[],
  matrix: readonly MatrixEntry[],
  files: readonly string[],
): string {
  const lines = [
    `# netcheck report`,
    '',
    `Templates: ${files.map((file) => `\`${file}\``).join(', ')} — ${counts(findings)}.`,
    '',
    '## Findings',
    '',
  ];
  if (findings.length === 0) lines.push('No findings.');
  else {
    lines.push('| Severity | Rule | Resource | Message |', '| --- | --- | --- | --- |');
    for (const finding of findings)
      lines.push(
        `| ${finding.severity} | ${finding.id} | ${escapeCell(finding.resource)} | ${escapeCell(finding.message)} |`,
      );
  }
  lines.push('', '## Traffic matrix', '', matrixMarkdown(matrix));
  return `${lines.join('\n')}\n`;
}

/** JSON report: `{findings, matrix}`. */
export function findingsJson(findings: readonly Finding[], matrix: readonly MatrixEntry[]): string {
  return `${JSON.stringify({ findings, matrix }, null, 2)}\n`;
}
