/** Latencies of one point, in microseconds, with percentiles computed the way wrk reports them. */
export class LatencyRecorder {
  private values: number[] = [];

  add(us: number): void {
    this.values.push(us);
  }

  get count(): number {
    return this.values.length;
  }

  /** The smallest recorded value v with at least p% of values ≤ v (NaN when empty). */
  percentile(p: number): number {
    if (this.values.length === 0) return Number.NaN;
    const sorted = this.sorted();
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return sorted[Math.min(sorted.length, rank) - 1]!;
  }

  max(): number {
    return this.values.length ? this.sorted().at(-1)! : Number.NaN;
  }

  private sorted(): number[] {
    this.values.sort((a, b) => a - b);
    return this.values;
  }
}
