import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { charts, renderSummary } from '../markdown.ts';
import type { ReportData } from '../report-data.ts';

/** results.json, the charts and summary.md; the Markdown is rendered from results.json alone. */
export function writeReport(dir: string, data: ReportData): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(data, null, 2)}\n`);
  const svgs = charts(data);
  for (const [name, svg] of Object.entries(svgs)) writeFileSync(join(dir, name), svg);
  writeFileSync(join(dir, 'summary.md'), renderSummary(data, Object.keys(svgs)));
}
