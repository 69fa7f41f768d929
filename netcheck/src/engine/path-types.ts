import type { Tri } from '../model/network-model.js';
import type { ExplanationCode } from './explanation-codes.js';

/** What a hop of a path is. */
export type HopKind =
  | 'source'
  | 'security-group-egress'
  | 'security-group-ingress'
  | 'network-acl-outbound'
  | 'network-acl-inbound'
  | 'route-table'
  | 'nat-gateway'
  | 'internet-gateway'
  | 'vpc-endpoint'
  | 'api-gateway'
  | 'load-balancer'
  | 'aws-managed-network'
  /** Out to the internet and back in (a call to an internet-facing load balancer's public address). */
  | 'internet'
  | 'destination';

/** One step of a path: the resource traversed and what matched there. */
export interface Hop {
  readonly resource: string;
  readonly kind: HopKind;
  readonly detail: string;
}

/** Where and why a path stops (or cannot be decided). */
export interface BlockedAt {
  readonly resource: string;
  readonly code: ExplanationCode;
  readonly reason: string;
}

/** A reachability question. `from`/`to`: a model id, `internet`, an IPv4 address, or (to) `aws:<service>`. */
export interface PathQuery {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol?: 'tcp' | 'udp';
}

/** The answer to a {@link PathQuery}. */
export interface PathResult {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
  /** true: every placement/address reaches; false: none does; "unknown": undecidable or mixed. */
  readonly reachable: Tri;
  /** Witness path when reachable; otherwise the hops up to the block. */
  readonly path: Hop[];
  /** Present unless reachable is true. */
  readonly blockedAt?: BlockedAt;
}

/** One evaluated branch (a placement pair and address sub-range). */
export interface Outcome {
  readonly reachable: Tri;
  readonly hops: Hop[];
  readonly blockedAt?: BlockedAt;
  /** Which part of the question this outcome answers (placement, address range), for mixed results. */
  readonly scope: string;
}

/** Immutable list of hops plus the reasons the branch is undecided so far. */
export class Trace {
  constructor(
    readonly hops: readonly Hop[] = [],
    readonly unknowns: readonly BlockedAt[] = [],
    readonly scope: string = '',
  ) {}

  /** Adds a hop. */
  step(hop: Hop): Trace {
    return new Trace([...this.hops, hop], this.unknowns, this.scope);
  }

  /** Adds a hop whose outcome is undecided; evaluation continues (a later hop may still block). */
  stepUnknown(hop: Hop, why: BlockedAt): Trace {
    return new Trace([...this.hops, hop], [...this.unknowns, why], this.scope);
  }

  /** Narrows the scope description (e.g. `for 0.0.0.0/1`). */
  within(scope: string): Trace {
    if (!scope) return this;
    return new Trace(this.hops, this.unknowns, this.scope ? `${this.scope}, ${scope}` : scope);
  }

  /** Ends the branch blocked. */
  blocked(blockedAt: BlockedAt): Outcome {
    return { reachable: false, hops: [...this.hops], blockedAt, scope: this.scope };
  }

  /** Ends the branch at the destination: reachable unless something along the way was undecided. */
  arrive(hop: Hop): Outcome {
    const hops = [...this.hops, hop];
    const first = this.unknowns[0];
    return first
      ? { reachable: 'unknown', hops, blockedAt: first, scope: this.scope }
      : { reachable: true, hops, scope: this.scope };
  }
}
