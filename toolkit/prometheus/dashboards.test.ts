import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { makeTempDir } from '../../lib/temp-dirs.ts';
import { dashboards, renderDashboard } from './dashboards.ts';
import { promtool } from './promtool.ts';

const dashboardDir = join(import.meta.dirname, '../../compose/grafana/dashboards');
const scratch = makeTempDir('promtool-dashboards-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface GrafanaDashboard {
  uid: string;
  panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }>;
}

/** Every query of the committed JSON files (not of the renderer: a hand edit is checked too). */
function committedQueries(): Array<{ where: string; expr: string }> {
  return readdirSync(dashboardDir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => {
      const model = JSON.parse(readFileSync(join(dashboardDir, file), 'utf8')) as GrafanaDashboard;
      return model.panels.flatMap((panel) =>
        panel.targets.map((t) => ({ where: `${file}: ${panel.title}`, expr: t.expr })),
      );
    });
}

/**
 * Each query as a recording rule, for `promtool check rules` to parse: Grafana's $__rate_interval becomes
 * the range it stands for.
 */
function rulesFile(queries: Array<{ where: string; expr: string }>): string {
  const rules = queries.map((q, i) => ({
    record: `dashboard:query_${i}`,
    expr: q.expr.replaceAll('$__rate_interval', '1m'),
  }));
  return stringify({ groups: [{ name: 'dashboards', rules }] });
}

describe('the Grafana dashboards', () => {
  it('compose/grafana/dashboards is the rendering of dashboards.ts', async () => {
    for (const dashboard of dashboards)
      await expect(renderDashboard(dashboard)).toMatchFileSnapshot(
        `../../compose/grafana/dashboards/${dashboard.uid}.json`,
      );
    expect(readdirSync(dashboardDir).sort()).toEqual(dashboards.map((d) => `${d.uid}.json`).sort());
  });

  it('every panel query passes promtool, and every panel reads the provisioned data source', async () => {
    const queries = committedQueries();
    expect(queries.length).toBeGreaterThan(25);
    writeFileSync(join(scratch, 'dashboards.yml'), rulesFile(queries));
    const result = await promtool(['check', 'rules', 'dashboards.yml'], scratch);
    expect(result.output).toMatch(new RegExp(`SUCCESS: ${queries.length} rules found`));
    const provisioned = parse(
      readFileSync(join(dashboardDir, '../provisioning/datasources/prometheus.yml'), 'utf8'),
    ) as { datasources: Array<{ uid: string }> };
    for (const file of readdirSync(dashboardDir)) {
      const model = JSON.parse(readFileSync(join(dashboardDir, file), 'utf8')) as GrafanaDashboard;
      for (const panel of model.panels) expect(panel.datasource.uid).toBe(provisioned.datasources[0]?.uid);
    }
  });

  it('would refuse a dashboard with a broken query', async () => {
    writeFileSync(
      join(scratch, 'broken.yml'),
      rulesFile([{ where: 'x', expr: 'sum by (route (rate(app_http_request_duration_seconds_count[1m]))' }]),
    );
    const result = await promtool(['check', 'rules', 'broken.yml'], scratch);
    expect(result.ok).toBe(false);
  });
});
