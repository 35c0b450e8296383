/** What Prometheus's HTTP API says of one scrape target. */
export interface TargetHealth {
  job: string;
  instance: string;
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

/** One alert as /api/v1/alerts lists it: pending during its `for:`, then firing. */
export interface AlertState {
  name: string;
  state: 'pending' | 'firing';
  labels: Record<string, string>;
  activeAt: string;
}

async function get<T>(base: string, path: string): Promise<T> {
  const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(3000) });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? body.status}`);
  return body.data;
}

/** True when http://host:port/-/ready answers 2xx within 2 s (Prometheus's and Alertmanager's readiness). */
export async function answersReady(base: string): Promise<boolean> {
  try {
    return (await fetch(`${base}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** A small client of the Prometheus HTTP API (v1) at http://host:port. */
export class PrometheusApi {
  constructor(readonly base: string) {}

  ready(): Promise<boolean> {
    return answersReady(this.base);
  }

  async targets(): Promise<TargetHealth[]> {
    const data = await get<{
      activeTargets: Array<{
        labels: Record<string, string>;
        health: TargetHealth['health'];
        lastError: string;
      }>;
    }>(this.base, '/api/v1/targets?state=active');
    return data.activeTargets.map((t) => ({
      job: t.labels.job ?? '',
      instance: t.labels.instance ?? '',
      labels: t.labels,
      health: t.health,
      lastError: t.lastError,
    }));
  }

  async alerts(): Promise<AlertState[]> {
    const data = await get<{
      alerts: Array<{ labels: Record<string, string>; state: AlertState['state']; activeAt: string }>;
    }>(this.base, '/api/v1/alerts');
    return data.alerts.map((a) => ({
      name: a.labels.alertname ?? '',
      state: a.state,
      labels: a.labels,
      activeAt: a.activeAt,
    }));
  }

  /** An instant query's vector, as label sets and numbers. */
  async query(expr: string): Promise<Array<{ labels: Record<string, string>; value: number }>> {
    const data = await get<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
      this.base,
      `/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }
}
