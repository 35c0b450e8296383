import { AlertmanagerApi, alertNames } from '../alerts/api.ts';
import { failedRow, type StatusContext, skippedRow } from './context.ts';
import type { StatusRow } from './report.ts';

/**
 * Alertmanager through its API v2: up while it answers, with the alerts it routes now (active) and those an
 * inhibition or a silence holds back. Like Prometheus's row, an alert firing is not its own ill health.
 */
export async function alertmanagerRows(context: StatusContext): Promise<StatusRow[]> {
  const target = context.inventory.alertmanager;
  if (!target)
    return [skippedRow('alertmanager', 'alertmanager', `not in the ${context.inventory.name} inventory`)];
  const row = { component: 'alertmanager', name: 'alertmanager', address: `${target.host}:${target.port}` };
  try {
    const alerts = await new AlertmanagerApi(`http://${target.host}:${target.port}`).alerts();
    const active = alerts.filter((a) => a.state === 'active');
    const suppressed = alerts.filter((a) => a.state === 'suppressed');
    const detail = [
      active.length ? `firing: ${alertNames(active)}` : 'no alert firing',
      ...(suppressed.length ? [`suppressed: ${alertNames(suppressed)}`] : []),
    ].join(', ');
    return [{ ...row, health: 'up', detail }];
  } catch (error) {
    return [failedRow(row, error)];
  }
}
