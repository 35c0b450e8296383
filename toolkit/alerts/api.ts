import { answersReady } from '../prometheus/api.ts';

/** One alert as Alertmanager's API v2 lists it: active, or suppressed by an inhibition or a silence. */
export interface ManagedAlert {
  name: string;
  state: 'active' | 'suppressed' | 'unprocessed';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** The alerts or silences that suppress it. */
  inhibitedBy: string[];
  silencedBy: string[];
  receivers: string[];
}

interface V2Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  status: { state: ManagedAlert['state']; inhibitedBy: string[]; silencedBy: string[] };
  receivers: Array<{ name: string }>;
}

/** A small client of Alertmanager's HTTP API v2 at http://host:port. */
export class AlertmanagerApi {
  constructor(readonly base: string) {}

  ready(): Promise<boolean> {
    return answersReady(this.base);
  }

  /** Every alert Prometheus has sent it that has not resolved, suppressed ones too (their state says so). */
  async alerts(): Promise<ManagedAlert[]> {
    const response = await fetch(`${this.base}/api/v2/alerts`, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new Error(`/api/v2/alerts: HTTP ${response.status}`);
    const alerts = (await response.json()) as V2Alert[];
    return alerts.map((a) => ({
      name: a.labels.alertname ?? '',
      state: a.status.state,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      inhibitedBy: a.status.inhibitedBy,
      silencedBy: a.status.silencedBy,
      receivers: a.receivers.map((r) => r.name),
    }));
  }
}

/** "A, B (2)": each alert name once, with how many series fire under it when more than one. */
export function alertNames(alerts: readonly ManagedAlert[]): string {
  const counts = new Map<string, number>();
  for (const a of alerts) counts.set(a.name, (counts.get(a.name) ?? 0) + 1);
  return [...counts].map(([name, n]) => (n > 1 ? `${name} (${n})` : name)).join(', ');
}
