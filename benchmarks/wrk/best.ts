import type { PointResult } from './results.ts';
import type { SeriesResult } from './series.ts';

/** The best (most req/s) of the given series at that connection count: the limit an app series is held to. */
export function bestOf(series: Array<SeriesResult | undefined>, connections: number) {
  let best: PointResult | undefined;
  for (const s of series) {
    const r = s?.points.find((p) => p.connections === connections)?.result;
    if (r && (!best || r.rps > best.rps)) best = r;
  }
  return best;
}
