/**
 * An immutable set of non-negative integers stored as sorted, disjoint, non-adjacent inclusive ranges.
 *
 * Used for both IPv4 addresses (0 … 2^32-1) and ports (0 … 65535). Every reachability question is
 * answered with set algebra rather than CIDR string comparison, so `0.0.0.0/1` + `128.0.0.0/1`
 * is the same set as `0.0.0.0/0`.
 */
export class IntervalSet {
  /** Flat [start0, end0, start1, end1, …] with inclusive ends; normalised (sorted, merged). */
  private readonly bounds: readonly number[];

  private constructor(bounds: readonly number[]) {
    this.bounds = bounds;
  }

  private static readonly EMPTY = new IntervalSet([]);

  /** The empty set. */
  static empty(): IntervalSet {
    return IntervalSet.EMPTY;
  }

  /** The inclusive range [start, end]; empty when end < start. */
  static range(start: number, end: number): IntervalSet {
    return end < start ? IntervalSet.EMPTY : new IntervalSet([start, end]);
  }

  /** A set holding a single value. */
  static single(value: number): IntervalSet {
    return new IntervalSet([value, value]);
  }

  /** Builds a set from arbitrary (possibly overlapping, unsorted) inclusive ranges. */
  static fromRanges(ranges: Iterable<readonly [number, number]>): IntervalSet {
    const sorted = [...ranges].filter(([s, e]) => e >= s).sort((a, b) => a[0] - b[0]);
    const bounds: number[] = [];
    for (const [start, end] of sorted) {
      const lastEnd = bounds[bounds.length - 1];
      // Merge overlapping and adjacent ranges so equality is structural.
      if (lastEnd !== undefined && start <= lastEnd + 1) {
        if (end > lastEnd) bounds[bounds.length - 1] = end;
      } else {
        bounds.push(start, end);
      }
    }
    return bounds.length === 0 ? IntervalSet.EMPTY : new IntervalSet(bounds);
  }

  /** The inclusive ranges of this set, in ascending order. */
  ranges(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.bounds.length; i += 2) {
      out.push([this.bounds[i] as number, this.bounds[i + 1] as number]);
    }
    return out;
  }

  /** True when the set has no members. */
  isEmpty(): boolean {
    return this.bounds.length === 0;
  }

  /** Number of members. */
  size(): number {
    let total = 0;
    for (let i = 0; i < this.bounds.length; i += 2) {
      total += (this.bounds[i + 1] as number) - (this.bounds[i] as number) + 1;
    }
    return total;
  }

  /** Smallest member, or undefined when empty. */
  min(): number | undefined {
    return this.bounds[0];
  }

  /** True when value is a member. */
  has(value: number): boolean {
    for (let i = 0; i < this.bounds.length; i += 2) {
      if (value < (this.bounds[i] as number)) return false;
      if (value <= (this.bounds[i + 1] as number)) return true;
    }
    return false;
  }

  /** Set union. */
  union(other: IntervalSet): IntervalSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    return IntervalSet.fromRanges([...this.ranges(), ...other.ranges()]);
  }

  /** Set intersection (linear merge of the two range lists). */
  intersect(other: IntervalSet): IntervalSet {
    if (this.isEmpty() || other.isEmpty()) return IntervalSet.EMPTY;
    const a = this.bounds;
    const b = other.bounds;
    const out: number[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const start = Math.max(a[i] as number, b[j] as number);
      const end = Math.min(a[i + 1] as number, b[j + 1] as number);
      if (start <= end) out.push(start, end);
      if ((a[i + 1] as number) < (b[j + 1] as number)) i += 2;
      else j += 2;
    }
    return out.length === 0 ? IntervalSet.EMPTY : new IntervalSet(out);
  }

  /** Members of this set that are not in other. */
  subtract(other: IntervalSet): IntervalSet {
    if (this.isEmpty() || other.isEmpty()) return this;
    const out: number[] = [];
    const b = other.bounds;
    let j = 0;
    for (let i = 0; i < this.bounds.length; i += 2) {
      let start = this.bounds[i] as number;
      const end = this.bounds[i + 1] as number;
      while (j < b.length && (b[j + 1] as number) < start) j += 2;
      let k = j;
      while (k < b.length && (b[k] as number) <= end && start <= end) {
        const cutStart = b[k] as number;
        const cutEnd = b[k + 1] as number;
        if (cutStart > start) out.push(start, cutStart - 1);
        start = cutEnd + 1;
        k += 2;
      }
      if (start <= end) out.push(start, end);
    }
    return out.length === 0 ? IntervalSet.EMPTY : new IntervalSet(out);
  }

  /** True when every member of other is also in this set. */
  covers(other: IntervalSet): boolean {
    return other.subtract(this).isEmpty();
  }

  /** True when the two sets share at least one member. */
  overlaps(other: IntervalSet): boolean {
    return !this.intersect(other).isEmpty();
  }

  /** Structural equality (sets are normalised, so equal sets have equal bounds). */
  equals(other: IntervalSet): boolean {
    if (this.bounds.length !== other.bounds.length) return false;
    return this.bounds.every((value, index) => value === other.bounds[index]);
  }
}
