import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExplainReport, explainSearch } from '../explain.ts';
import type { ReportContext } from './context.ts';

/** EXPLAIN and the real scan cost of the search, with or without the index, into the report. */
export async function explainStep(ctx: ReportContext, index: boolean): Promise<void> {
  const { run, inventory, options, dir, data, prefixes } = ctx;
  await run.step(`explain ${index ? 'with' : 'without'} index`, inventory.mysql.master.name, async () => {
    const sample = index ? (options.quick ? 50 : 200) : 3;
    const report = await explainSearch(
      inventory,
      prefixes,
      options.limit,
      sample,
      index ? ['single', 'expanded'] : ['single'],
    );
    const files = writeExplain(dir, report, index);
    data.queryCosts.push({ index, costs: report.costs, files });
    return {
      status: 'ok',
      detail: report.costs
        .map(
          (c) =>
            `${c.shape}: ${c.examinedPerResult.toFixed(1)} examined per row returned (median ${c.medianExamined} per search)`,
        )
        .join('; '),
    };
  });
}

function writeExplain(dir: string, report: ExplainReport, index: boolean): string[] {
  const suffix = index ? 'index' : 'noindex';
  const files: string[] = [];
  const put = (name: string, text: string | undefined): void => {
    if (!text) return;
    writeFileSync(join(dir, name), `${text}\n`);
    files.push(name);
  };
  const about = JSON.stringify(report.sample);
  put(`explain-${suffix}.json`, report.explain);
  put(`analyze-${suffix}.json`, report.analyze);
  if (index) put(`explain-expanded-${suffix}.json`, report.explainExpanded);
  writeFileSync(join(dir, `explain-${suffix}.sample.json`), `${about}\n`);
  return files;
}
