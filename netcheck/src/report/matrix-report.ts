import type { MatrixEntry } from '../engine/traffic-matrix.js';
import type { NetworkModel, Tri } from '../model/network-model.js';
import { Unresolved } from '../template/template-values.js';

/** ✓ / ✗ / ? with words, for tables. */
export function describeReachable(reachable: Tri): string {
  return reachable === true ? '✓ reachable' : reachable === false ? '✗ blocked' : '? unknown';
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** The traffic matrix as a markdown table (the shape of seed 000's traffic tables). */
export function matrixMarkdown(matrix: readonly MatrixEntry[]): string {
  if (matrix.length === 0) return 'No compute resources in the template.\n';
  const lines = [
    '| From | To | Protocol/port | Result | Path or reason |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const entry of matrix) {
    const detail = entry.blockedAt
      ? `${entry.blockedAt.code} at ${entry.blockedAt.resource}: ${entry.blockedAt.reason}`
      : entry.path.map((hop) => hop.resource).join(' → ');
    lines.push(
      `| ${escapeCell(entry.from)} | ${escapeCell(entry.to)} | ${entry.protocol}/${entry.port} | ${describeReachable(entry.reachable)} | ${escapeCell(detail)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Mermaid node ids must be simple identifiers. */
function nodeId(id: string): string {
  return `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function label(text: string): string {
  return `"${text.replaceAll('"', "'")}"`;
}

/**
 * A mermaid flowchart of the network: VPCs and subnets as subgraphs holding their workloads and
 * NAT gateways, internet gateways, and the matrix flows as edges (solid: reachable, `--x`: blocked,
 * dotted: unknown).
 */
export function matrixMermaid(model: NetworkModel, matrix: readonly MatrixEntry[]): string {
  const lines = ['flowchart LR', `  ${nodeId('internet')}((${label('internet')}))`];
  const placed = new Set<string>();
  for (const vpc of model.vpcs.values()) {
    const subnets = [...model.subnets.values()].filter((subnet) => subnet.vpcId === vpc.id);
    if (subnets.length === 0) continue;
    lines.push(
      `  subgraph ${nodeId(vpc.id)}[${label(`${vpc.id} ${vpc.cidrs.map((cidr) => cidr.text).join(', ')}`)}]`,
    );
    for (const subnet of subnets) {
      const cidr = subnet.cidr instanceof Unresolved ? '?' : subnet.cidr.text;
      lines.push(
        `    subgraph ${nodeId(subnet.id)}[${label(`${subnet.id} ${cidr} → ${subnet.routeTableId}`)}]`,
      );
      for (const nat of model.natGateways.values()) {
        if (nat.subnetId === subnet.id) {
          lines.push(`      ${nodeId(nat.id)}[/${label(`${nat.id} (NAT)`)}/]`);
          placed.add(nat.id);
        }
      }
      for (const workload of model.workloads.values()) {
        if (
          workload.subnetIds instanceof Unresolved ||
          !workload.subnetIds.includes(subnet.id) ||
          placed.has(workload.id)
        )
          continue;
        // A workload spanning subnets is drawn once, in its first subnet.
        placed.add(workload.id);
        const shape =
          workload.role === 'database'
            ? `[(${label(workload.id)})]`
            : `[${label(`${workload.id} (${workload.kind})`)}]`;
        lines.push(`      ${nodeId(workload.id)}${shape}`);
      }
      lines.push('    end');
    }
    lines.push('  end');
  }
  for (const igw of model.internetGateways.values()) {
    lines.push(`  ${nodeId(igw.id)}{{${label(`${igw.id} (IGW)`)}}}`);
    lines.push(`  ${nodeId('internet')} --- ${nodeId(igw.id)}`);
    for (const vpcId of igw.attachedVpcIds)
      if (model.vpcs.has(vpcId)) lines.push(`  ${nodeId(igw.id)} --- ${nodeId(vpcId)}`);
  }
  for (const workload of model.workloads.values()) {
    if (!placed.has(workload.id))
      lines.push(
        `  ${nodeId(workload.id)}[${label(`${workload.id} (${workload.kind}, outside the modelled subnets)`)}]`,
      );
  }
  for (const entry of matrix) {
    const text = label(`${entry.protocol}/${entry.port}`);
    const arrow =
      entry.reachable === true
        ? `-->|${text}|`
        : entry.reachable === false
          ? `--x|${text}|`
          : `-.->|${text}|`;
    lines.push(`  ${nodeId(entry.from)} ${arrow} ${nodeId(entry.to)}`);
  }
  return `${lines.join('\n')}\n`;
}
