import { ALL_PORTS } from '../net/address-space.js';
import { IntervalSet } from '../net/interval-set.js';
import type { CfnValue } from '../template/template-values.js';
import { asNumber, asString, Unresolved } from '../template/template-values.js';
import type { IpProtocol, MaybeResolved } from './network-model.js';

const BY_NUMBER: Readonly<Record<number, IpProtocol>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

/** Normalises an IpProtocol / NACL Protocol value (`tcp`, `6`, `-1`, `all`…). */
export function parseIpProtocol(value: CfnValue | undefined): MaybeResolved<IpProtocol> {
  const text = asString(value);
  if (text instanceof Unresolved) return text;
  if (text === undefined) return new Unresolved('protocol is missing');
  const lower = text.toLowerCase();
  if (lower === '-1' || lower === 'all') return 'all';
  if (lower === 'tcp' || lower === 'udp' || lower === 'icmp' || lower === 'icmpv6') return lower;
  const number = Number(lower);
  if (Number.isInteger(number) && number >= 0 && number <= 255) return BY_NUMBER[number] ?? `proto-${number}`;
  return new Unresolved(`unknown protocol "${text}"`);
}

/**
 * The ports a rule covers. Protocol `all` covers every port; a missing or -1 bound means every port
 * (CloudFormation's convention). For ICMP the numbers are type/code, which never match a tcp/udp
 * flow, so the value does not matter.
 */
export function parsePortRange(
  protocol: MaybeResolved<IpProtocol>,
  from: CfnValue | undefined,
  to: CfnValue | undefined,
): MaybeResolved<IntervalSet> {
  if (protocol === 'all' || protocol === 'icmp' || protocol === 'icmpv6') return ALL_PORTS;
  const low = asNumber(from);
  const high = asNumber(to);
  if (low instanceof Unresolved) return low;
  if (high instanceof Unresolved) return high;
  if (low === undefined || low === -1) return ALL_PORTS;
  const end = high === undefined || high === -1 ? low : high;
  return IntervalSet.range(Math.max(0, low), Math.min(65535, end));
}

/** True when a rule protocol admits a flow protocol. */
export function protocolMatches(ruleProtocol: IpProtocol, flowProtocol: 'tcp' | 'udp'): boolean {
  return ruleProtocol === 'all' || ruleProtocol === flowProtocol;
}
