import { PrometheusApi } from '../prometheus/api.ts';
import { failedRow, type StatusContext, skippedRow } from './context.ts';
import type { StatusRow } from './report.ts';

/**
 * Prometheus through its HTTP API: up while every target answers its scrapes (degraded naming those
 * that do not), with the alerts firing now. A firing alert is the other rows' business, not its own
 * health: Prometheus that reports a stopped slave is doing its job.
 */
export async function prometheusRows(context: StatusContext): Promise<StatusRow[]> {
  const target = context.inventory.prometheus;
  if (!target)
    return [skippedRow('prometheus', 'prometheus', `not in the ${context.inventory.name} inventory`)];
  const row = { component: 'prometheus', name: 'prometheus', address: `${target.host}:${target.port}` };
  try {
    const api = new PrometheusApi(`http://${target.host}:${target.port}`);
    const targets = await api.targets();
    const down = targets.filter((t) => t.health !== 'up');
    const firing = [...new Set((await api.alerts()).filter((a) => a.state === 'firing').map((a) => a.name))];
    const detail = [
      `${targets.length - down.length}/${targets.length} targets up${down.length ? ` (down: ${down.map((t) => `${t.job} ${t.instance}`).join(', ')})` : ''}`,
      firing.length ? `firing: ${firing.join(', ')}` : 'no alert firing',
    ].join(', ');
    return [{ ...row, health: down.length || targets.length === 0 ? 'degraded' : 'up', detail }];
  } catch (error) {
    return [failedRow(row, error)];
  }
}
